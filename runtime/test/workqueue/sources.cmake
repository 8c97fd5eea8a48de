# The workqueue tests of bubble_runtime_test, included by runtime/CMakeLists.txt (absolute paths).
set(BUBBLE_RUNTIME_WORKQUEUE_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/delaying_queue_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/queue_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiting_queue_test.cc)
# runtime/CMakeLists.txt collects each part's tests from BUBBLE_RUNTIME_<PART>_TEST_SOURCES.
list(APPEND BUBBLE_RUNTIME_WORKQUEUE_TEST_SOURCES ${BUBBLE_RUNTIME_WORKQUEUE_TESTS})
