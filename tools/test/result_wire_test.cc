// tools/test/result_wire_test.cc: what a sweep worker sends its parent (result_wire.h).
#include "result_wire.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "site_table.h"

namespace t = bubble::cli;
namespace sim = bubble::sim;

namespace {

struct Received {
  std::uint64_t index;
  t::ItemResult result;
};

}  // namespace

TEST_CASE("Result records arrive whole however the pipe cuts them, sites named once",
          "[tools][wire]") {
  const std::uint32_t inherited = t::Sites().Intern("main get configmaps");
  const std::size_t known = t::Sites().Size();
  // The worker numbers two new sites after the fork.
  const std::uint32_t a = t::Sites().Intern("wire-test-a update configmaps");
  const std::uint32_t b = t::Sites().Intern("wire-test-b get configmaps");
  t::ResultEncoder encoder(known);
  std::string bytes;
  t::ItemResult failed{.state = t::ItemState::kFailed,
                       .fingerprint = "0123456789abcdef",
                       .message = "invariant failed: x",
                       .report = std::string(3000, 'r'),
                       .seconds = 0.25,
                       .orders = {{inherited, a}, {a, b}}};
  encoder.Add(7, failed, bytes);
  const std::size_t first = bytes.size();
  encoder.Add(8, t::ItemResult{.state = t::ItemState::kPassed, .orders = {{b, a}}}, bytes);
  CHECK(bytes.size() - first < 60);  // b and a were defined with the first result

  // The parent knew `known` sites at the fork; it learns the worker's by name (here under the
  // same numbers: one process plays both ends).
  t::ResultDecoder decoder(known);
  std::vector<Received> got;
  for (const char c : bytes) {  // one byte per read: the worst cut
    decoder.Feed(&c, 1, [&](std::uint64_t index, t::ItemResult&& r) {
      got.push_back({index, std::move(r)});
    });
  }
  CHECK(decoder.Pending() == 0);
  REQUIRE(got.size() == 2);
  CHECK(got[0].index == 7);
  CHECK(got[0].result.state == t::ItemState::kFailed);
  CHECK(got[0].result.fingerprint == failed.fingerprint);
  CHECK(got[0].result.message == failed.message);
  CHECK(got[0].result.report == failed.report);
  CHECK(got[0].result.seconds == 0.25);
  CHECK(got[0].result.orders == failed.orders);
  CHECK(got[1].index == 8);
  CHECK(got[1].result.state == t::ItemState::kPassed);
  CHECK(got[1].result.fingerprint.empty());
  CHECK(got[1].result.orders == std::vector<sim::OrderFact>{{b, a}});
}

TEST_CASE("A malformed result stream is an error, not a guess", "[tools][wire]") {
  t::ResultDecoder decoder(t::Sites().Size());
  auto ignore = [](std::uint64_t, t::ItemResult&&) {};
  CHECK_THROWS_AS(decoder.Feed("{\"k\":1}\n", 8, ignore), std::runtime_error);
}
