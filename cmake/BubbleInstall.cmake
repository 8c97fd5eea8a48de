# Install rules, the CMake package and the Debian package.
#
#   cmake --install build/default --prefix /opt/bubble
#   find_package(bubble 0.2 REQUIRED)   # with CMAKE_PREFIX_PATH=/opt/bubble
#   target_link_libraries(my_test PRIVATE bubble::fake bubble::testing)
#
# Targets: bubble::sim, bubble::runtime, bubble::net (the real-time loop's HTTP(S) server and
# client), bubble::client (runtime::Clientset over a real API server), bubble::fake,
# bubble::apiserver (the fake over Kubernetes REST), bubble::scenarios, bubble::cli,
# bubble::cli_net (run --serve, apiserver), bubble::cli_main, and bubble::testing (the Catch2
# helpers; defined only where Catch2 2.13 is found, so a project that does not test with Catch2
# needs no Catch2). The `bubble` program goes to bin/. `cpack -G DEB` (in the build
# directory) makes a Debian package of the same tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BUBBLE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/bubble)

# Public headers: each layer's include/ tree (only headers; layout bubble/<layer>/...).
foreach(layer sim runtime net client fake apiserver scenarios testing tools)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/include)
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/include/
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            COMPONENT bubble
            FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()

set(_bubble_libraries)
foreach(target bubble_sim bubble_runtime bubble_net bubble_client bubble_fake bubble_apiserver bubble_scenarios
               bubble_cli bubble_cli_net bubble_cli_main)
  if(TARGET ${target})
    list(APPEND _bubble_libraries ${target})
  endif()
endforeach()
install(TARGETS ${_bubble_libraries}
        EXPORT bubbleTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT bubble
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT bubble
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT bubbleTargets
        NAMESPACE bubble::
        DESTINATION ${BUBBLE_INSTALL_CMAKEDIR}
        COMPONENT bubble)

if(TARGET bubble_testing)
  install(TARGETS bubble_testing
          EXPORT bubbleTestingTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT bubble
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT bubbleTestingTargets
          NAMESPACE bubble::
          DESTINATION ${BUBBLE_INSTALL_CMAKEDIR}
          COMPONENT bubble)
endif()

if(TARGET bubble)
  install(TARGETS bubble RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT bubble)
endif()

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/bubbleConfig.cmake.in
  ${PROJECT_BINARY_DIR}/bubbleConfig.cmake
  INSTALL_DESTINATION ${BUBBLE_INSTALL_CMAKEDIR})
# 0.x: a minor release may break the API, so 0.2 accepts 0.2.z only.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/bubbleConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
          ${PROJECT_BINARY_DIR}/bubbleConfig.cmake
          ${PROJECT_BINARY_DIR}/bubbleConfigVersion.cmake
          ${PROJECT_SOURCE_DIR}/cmake/BubblePrecompiledHeaders.cmake
        DESTINATION ${BUBBLE_INSTALL_CMAKEDIR}
        COMPONENT bubble)

# ---- Debian package (cpack -G DEB) --------------------------------------------------------------
set(CPACK_PACKAGE_NAME "bubble-dev")
set(CPACK_PACKAGE_VENDOR "bubble")
set(CPACK_PACKAGE_CONTACT "bubble maintainers <bubble@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The libraries are static; what a user's build needs is the -dev packages of bubble's public
# dependencies (their headers and shared libraries), which pull the runtime libraries the
# `bubble` program needs too.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libboost-context-dev (>= 1.74), libboost1.74-dev, libssl-dev (>= 3), libyaml-cpp-dev, libfmt-dev (>= 9), libspdlog-dev (>= 1:1.10), nlohmann-json3-dev (>= 3), libexpected-dev, cmake (>= 3.25)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "catch2 (>= 2.13)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Deterministic simulation testing of Kubernetes-style controllers in C++20.\n Libraries, headers, the CMake package (find_package(bubble)) and the bubble command line.")
# Debug info stays in the build tree: stripped, the package is a tenth of the size.
set(CPACK_STRIP_FILES TRUE)
set(CPACK_GENERATOR DEB)
include(CPack)
