// net/test/temp_dir.h (test-private, shared by the net and client tests): a fresh directory for
// a test's files.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace bubble::net::test {

// A new directory under the system's temporary directory, removed with everything in it at the
// end of the test.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bubble-test-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  ~TempDir() { std::filesystem::remove_all(path); }

  // Writes `text` to `name` under the directory (creating subdirectories); returns its path.
  std::filesystem::path Write(const std::filesystem::path& name, std::string_view text) const {
    const std::filesystem::path file = path / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

  std::filesystem::path path;
};

}  // namespace bubble::net::test
