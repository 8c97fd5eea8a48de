# The workqueue part of bubble_runtime, included by runtime/CMakeLists.txt (absolute paths).
list(APPEND BUBBLE_RUNTIME_WORKQUEUE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/delaying_queue.cc
  ${CMAKE_CURRENT_LIST_DIR}/queue.cc
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter.cc
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiting_queue.cc
  ${CMAKE_CURRENT_LIST_DIR}/token_bucket.cc)
