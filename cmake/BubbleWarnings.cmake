# bubble::warnings: the warning set every bubble target compiles with.
add_library(bubble_warnings INTERFACE)
add_library(bubble::warnings ALIAS bubble_warnings)
target_compile_options(bubble_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(BUBBLE_WERROR)
  target_compile_options(bubble_warnings INTERFACE -Werror)
endif()
