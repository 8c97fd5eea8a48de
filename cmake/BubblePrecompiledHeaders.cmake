# bubble_precompile_headers(TARGET [CATCH2]): precompiles the headers a typical bubble test file
# includes (the kernel, the fake clientset, informers, the test helpers, and Catch2 with CATCH2)
# for TARGET. A test file then compiles in a fraction of the time it takes to parse those headers
# again (docs/benchmarks.md, "Compile time of a user test file"). Files of TARGET keep their own
# #include lines; with the precompiled header they cost nothing. A file that defines
# CATCH_CONFIG_MAIN cannot share the precompiled Catch2 (it needs the header expanded after its
# #define): link Catch2::Catch2WithMain instead, or set SKIP_PRECOMPILE_HEADERS on that file.
#
#   find_package(bubble 0.2 REQUIRED)
#   add_executable(my_tests my_test.cc)
#   target_link_libraries(my_tests PRIVATE bubble::fake bubble::testing)
#   bubble_precompile_headers(my_tests CATCH2)
function(bubble_precompile_headers target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "CATCH2" "" "")
  set(headers
      <bubble/sim/bubble.h>
      <bubble/fake/clientset.h>
      <bubble/runtime/cache/informer_factory.h>
      <bubble/runtime/controller/controller.h>)
  if(TARGET bubble::testing OR TARGET bubble_testing)
    list(APPEND headers <bubble/testing/testing.h>)
  endif()
  if(arg_CATCH2)
    list(APPEND headers <catch2/catch.hpp>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
