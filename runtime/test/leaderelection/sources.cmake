# The leaderelection tests of bubble_runtime_test (those needing no API server; the elector's
# tests run over the fake, in fake/test/leaderelection_test.cc).
list(APPEND BUBBLE_RUNTIME_LEADERELECTION_TEST_SOURCES
  test/leaderelection/record_test.cc)
