// client/test/file_token_source_test.cc: a rotating token file is re-read once a minute, and a
// failed re-read keeps the last good token. Time is passed in; no clock is read.
#include "bubble/client/file_token_source.h"

#include <catch2/catch.hpp>

#include "temp_dir.h"

namespace client = bubble::client;
using bubble::net::test::TempDir;
using namespace std::chrono_literals;

TEST_CASE("file token source: re-reads the file when the token is a minute old", "[token-file]") {
  TempDir dir;
  const auto file = dir.Write("token", "first\n");
  const client::FileTokenSource::Clock::time_point start{};
  client::FileTokenSource source(file, "first", start);
  CHECK(source.Token(start) == "first");

  dir.Write("token", "second\n");  // the kubelet rotated it
  CHECK(source.Token(start + 59s) == "first");
  CHECK(source.Token(start + 60s) == "second");
  CHECK(source.LastError().empty());

  SECTION("a missing or empty file keeps the last token and says why") {
    std::filesystem::remove(file);
    CHECK(source.Token(start + 120s) == "second");
    CHECK(source.LastError().find("cannot re-read token file " + file.string()) == 0);
    dir.Write("token", "\n");
    CHECK(source.Token(start + 150s) == "second");  // not due: the failed read counts
    CHECK(source.Token(start + 180s) == "second");
    CHECK(source.LastError() == "token file " + file.string() + " is empty");
    dir.Write("token", "third");
    CHECK(source.Token(start + 240s) == "third");
    CHECK(source.LastError().empty());
  }
}
