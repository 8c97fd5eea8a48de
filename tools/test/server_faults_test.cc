// tools/test/server_faults_test.cc: `bubble apiserver`'s fault flags, read into the faults the
// server injects, refused with one line naming the flag and the fix, and named at startup.
#include "net/server_faults.h"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

namespace nc = bubble::cli::net_commands;
using namespace std::chrono_literals;

namespace {

bubble::cli::ApiServerArgs Args(std::string error_rate, std::string latency = "",
                                std::string watch_lifetime = "", std::string expire_rate = "",
                                std::string fault_seed = "") {
  bubble::cli::ApiServerArgs a;
  a.listen.address = "127.0.0.1:0";
  a.error_rate = std::move(error_rate);
  a.latency = std::move(latency);
  a.watch_lifetime = std::move(watch_lifetime);
  a.expire_rate = std::move(expire_rate);
  a.fault_seed = std::move(fault_seed);
  return a;
}

// The one-line message a bad flag is refused with.
std::string Refusal(const bubble::cli::ApiServerArgs& args) {
  try {
    nc::ReadServerFaults(args);
  } catch (const nc::FaultFlagError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("fault flags: none given is no fault, and the line is empty", "[server-faults]") {
  const nc::ServerFaults f = nc::ReadServerFaults(Args(""));
  CHECK_FALSE(f.Any());
  CHECK_FALSE(f.seed.has_value());
  CHECK(nc::FaultsLine(f, 7).empty());
  // Zeros are allowed and are off too.
  const nc::ServerFaults zeros = nc::ReadServerFaults(Args("0", "0", "", "0%"));
  CHECK_FALSE(zeros.Any());
}

TEST_CASE("fault flags: each flag's forms", "[server-faults]") {
  nc::ServerFaults f = nc::ReadServerFaults(Args("12.5", "5ms..50ms", "30s", "5%", "42"));
  CHECK(f.flaky.error_percent == 12.5);
  CHECK(f.flaky.latency_min == 5ms);
  CHECK(f.flaky.latency_max == 50ms);
  CHECK(f.flaky.watch_lifetime == 30s);
  CHECK(f.flaky.expire_percent == 5);
  CHECK(f.seed == 42u);
  CHECK(f.Any());

  f = nc::ReadServerFaults(Args("100%", "250ms"));  // MAX alone: 0..MAX
  CHECK(f.flaky.error_percent == 100);
  CHECK(f.flaky.latency_min == 0ms);
  CHECK(f.flaky.latency_max == 250ms);
  f = nc::ReadServerFaults(Args("", "0..1s"));
  CHECK(f.flaky.latency_min == 0ms);
  CHECK(f.flaky.latency_max == 1s);
  f = nc::ReadServerFaults(Args("", "10ms..10ms"));
  CHECK(f.flaky.latency_min == 10ms);
  CHECK(f.flaky.latency_max == 10ms);
  f = nc::ReadServerFaults(Args(".5"));
  CHECK(f.flaky.error_percent == 0.5);
}

TEST_CASE("fault flags: bad values are refused naming the flag and the fix", "[server-faults]") {
  CHECK(Refusal(Args("abc")) ==
        "--error-rate \"abc\": not a percentage; give a number from 0 to 100, e.g. --error-rate "
        "10");
  for (const char* bad : {"101", "-1", "+5", "1e1", "inf", "nan", "5 %", "%", "10%%", " 5"}) {
    INFO(bad);
    CHECK(Refusal(Args(bad)).starts_with("--error-rate \""));
    CHECK(Refusal(Args("", "", "", bad)).starts_with("--expire-rate \""));
  }
  CHECK(Refusal(Args("", "50ms..5ms")) ==
        "--latency \"50ms..5ms\": MIN is more than MAX; give MIN..MAX with MIN <= MAX, e.g. "
        "--latency 5ms..50ms");
  for (const char* bad : {"50", "fast", "5ms..", "..5ms", "5ms...6ms", "-5ms", "0s", "1.5s"}) {
    INFO(bad);
    CHECK(Refusal(Args("", bad))
              .starts_with("--latency \"" + std::string(bad) +
                           "\": not a duration; give MAX or MIN..MAX"));
  }
  for (const char* bad : {"0", "0s", "30", "soon", "-1s"}) {
    INFO(bad);
    CHECK(Refusal(Args("", "", bad)) ==
          "--watch-lifetime \"" + std::string(bad) +
              "\": not a positive duration; give a number with a unit (ns, us, ms, s, m, h), e.g. "
              "--watch-lifetime 30s");
  }
  CHECK(Refusal(Args("", "", "", "", "x")) ==
        "--fault-seed \"x\": not a seed; give a non-negative integer, e.g. --fault-seed 42");
  CHECK(Refusal(Args("", "", "", "", "-3")).starts_with("--fault-seed \"-3\""));
}

TEST_CASE("fault flags: the startup line names every fault on and the seed", "[server-faults]") {
  CHECK(nc::FaultsLine(nc::ReadServerFaults(Args("10", "5ms..50ms", "30s", "5")), 1234) ==
        "faults: 10% of API requests fail (500, 429 with Retry-After, 504; some writes applied "
        "first), latency 5ms..50ms each way, watches end within 30s, 5% of resumed watches "
        "expire (410); fault seed 1234 (--fault-seed 1234 repeats the draws)");
  CHECK(nc::FaultsLine(nc::ReadServerFaults(Args("", "1s")), 9) ==
        "faults: latency 0..1s each way; fault seed 9 (--fault-seed 9 repeats the draws)");
  CHECK(nc::FaultsLine(nc::ReadServerFaults(Args("0.5", "", "1m")), 3) ==
        "faults: 0.5% of API requests fail (500, 429 with Retry-After, 504; some writes applied "
        "first), watches end within 1m; fault seed 3 (--fault-seed 3 repeats the draws)");
}
