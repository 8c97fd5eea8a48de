# client/kubeconfig.cmake: client configuration (kubeconfig files, in-cluster service accounts)
# for the Kubernetes REST client, built on its own until it joins client/CMakeLists.txt.
# Namespace bubble::client. yaml-cpp reads kubeconfigs; OpenSSL decodes their base64.
find_package(OpenSSL 3 REQUIRED)

add_library(bubble_client_config
  client/src/base64_decode.cc
  client/src/config_environment.cc
  client/src/file_token_source.cc
  client/src/in_cluster.cc
  client/src/kubeconfig.cc
  client/src/kubeconfig_loader.cc
  client/src/load_config.cc
  client/src/read_config_file.cc)
add_library(bubble::client_config ALIAS bubble_client_config)
target_include_directories(bubble_client_config
  PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/client/include>
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/client/src)
target_link_libraries(bubble_client_config
  PRIVATE fmt::fmt yaml-cpp OpenSSL::Crypto $<BUILD_INTERFACE:bubble::warnings>)

if(BUILD_TESTING)
  add_executable(bubble_client_config_test client/test/kubeconfig_test.cc
    client/test/in_cluster_test.cc client/test/file_token_source_test.cc)
  target_link_libraries(bubble_client_config_test
    PRIVATE bubble::client_config bubble::warnings Catch2::Catch2WithMain nlohmann_json::nlohmann_json)
  catch_discover_tests(bubble_client_config_test TEST_PREFIX "client/" EXTRA_ARGS -w NoTests)
endif()
