// apiserver/src/version_info.cc
#include "version_info.h"

#ifndef BUBBLE_VERSION
#error "BUBBLE_VERSION must be defined by the build (apiserver/CMakeLists.txt)"
#endif

namespace bubble::apiserver::detail {

namespace {

// Go's GOOS/GOARCH spelling of the platform bubble was built for.
constexpr const char* Platform() {
#if defined(__linux__) && defined(__x86_64__)
  return "linux/amd64";
#elif defined(__linux__) && defined(__aarch64__)
  return "linux/arm64";
#elif defined(__APPLE__) && defined(__aarch64__)
  return "darwin/arm64";
#elif defined(__APPLE__)
  return "darwin/amd64";
#else
  return "unknown/unknown";
#endif
}

constexpr const char* Compiler() {
#if defined(__clang__)
  return "clang";
#elif defined(__GNUC__)
  return "gcc";
#else
  return "c++";
#endif
}

}  // namespace

std::string GitVersion() {
  return std::string("v1.20.0-bubble.") + BUBBLE_VERSION;
}

nlohmann::json VersionInfo() {
  return {
      {"major", "1"},
      {"minor", "20"},
      {"gitVersion", GitVersion()},
      // No Git commit is compiled in; version.Info's zero-like values keep the document stable.
      {"gitCommit", "0000000000000000000000000000000000000000"},
      {"gitTreeState", "clean"},
      {"buildDate", "1970-01-01T00:00:00Z"},
      // Not a Go program: the language field names what built it.
      {"goVersion", "c++20"},
      {"compiler", Compiler()},
      {"platform", Platform()},
  };
}

}  // namespace bubble::apiserver::detail
