# BUBBLE_SANITIZE=address;undefined adds the sanitizers to every target. Fiber switches are
# annotated for ASan in sim/src/fiber_switch.h, and the default fiber stack doubles.
# -fstack-clash-protection makes frames larger than a page probe every page, so they cannot
# jump over a fiber stack's guard page.
add_compile_options(-fstack-clash-protection)
if(BUBBLE_SANITIZE)
  list(JOIN BUBBLE_SANITIZE "," _bubble_sanitizers)
  add_compile_options(-fsanitize=${_bubble_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_bubble_sanitizers})
endif()
