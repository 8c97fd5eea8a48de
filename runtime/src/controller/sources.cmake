# The controller part of bubble_runtime (its tests need the fake: fake/test/controller_test.cc).
list(APPEND BUBBLE_RUNTIME_CONTROLLER_SOURCES src/controller/controller.cc)
