# bubble_header_check: compiles every public header on its own (a generated .cc per header that
# includes only it), so a header that leans on what its includers happened to include first
# fails here, not in a user's project. Not part of `all`; CI builds it:
#   cmake --build --preset default --target bubble_header_check
set(_bubble_header_check_sources)
set(_bubble_header_check_links)
foreach(pair sim:bubble_sim runtime:bubble_runtime net:bubble_net client:bubble_client
             fake:bubble_fake apiserver:bubble_apiserver scenarios:bubble_scenarios
             testing:bubble_testing tools:bubble_cli)
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 layer)
  list(GET pair 1 target)
  if(NOT TARGET ${target} OR NOT IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/include)
    continue()
  endif()
  list(APPEND _bubble_header_check_links ${target})
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR}/${layer}/include
       CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${layer}/include/*.h)
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER "${header}" id)
    set(source ${PROJECT_BINARY_DIR}/header_check/${id}.cc)
    set(content "#include <${header}>  // must compile on its own\n")
    if(EXISTS ${source})
      file(READ ${source} old)
    else()
      set(old "")
    endif()
    if(NOT old STREQUAL content)
      file(WRITE ${source} "${content}")
    endif()
    list(APPEND _bubble_header_check_sources ${source})
  endforeach()
endforeach()
add_library(bubble_header_check OBJECT EXCLUDE_FROM_ALL ${_bubble_header_check_sources})
target_link_libraries(bubble_header_check PRIVATE ${_bubble_header_check_links} bubble::warnings)
