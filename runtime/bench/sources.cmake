# The sources of bubble_runtime_bench (included by runtime/CMakeLists.txt).
set(BUBBLE_RUNTIME_BENCH_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/workqueue_bench.cc)
