list(APPEND BUBBLE_RUNTIME_CACHE_TEST_SOURCES test/cache/reflector_test.cc)
list(APPEND BUBBLE_RUNTIME_CACHE_TEST_SOURCES
  test/cache/key_func_test.cc test/cache/indexer_test.cc test/cache/delta_fifo_test.cc
  test/cache/real_fifo_test.cc test/cache/cache_preemption_test.cc)
