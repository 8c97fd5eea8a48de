# BUBBLE_SANITIZE=address;undefined adds the sanitizers to every target. Fiber switches are
# annotated for ASan in sim/src/sanitizer.h, and the default fiber stack doubles.
if(BUBBLE_SANITIZE)
  list(JOIN BUBBLE_SANITIZE "," _bubble_sanitizers)
  add_compile_options(-fsanitize=${_bubble_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_bubble_sanitizers})
endif()
