list(APPEND BUBBLE_RUNTIME_CACHE_SOURCES src/cache/delta.cc)
list(APPEND BUBBLE_RUNTIME_CACHE_SOURCES
  src/cache/errors.cc src/cache/key_func.cc src/cache/indexer.cc src/cache/delta_fifo.cc
  src/cache/real_fifo.cc)
list(APPEND BUBBLE_RUNTIME_CACHE_SOURCES src/cache/list_watch.cc src/cache/reflector.cc)
list(APPEND BUBBLE_RUNTIME_CACHE_SOURCES src/cache/wait_for_cache_sync.cc)
list(APPEND BUBBLE_RUNTIME_CACHE_SOURCES
  src/cache/event_handler.cc src/cache/processor_listener.cc src/cache/shared_informer.cc
  src/cache/informer_factory.cc)
