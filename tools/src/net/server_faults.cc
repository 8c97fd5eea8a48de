// tools/src/net/server_faults.cc
#include "server_faults.h"

#include <charconv>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/sim/duration_text.h>
#include <bubble/sim/seed_text.h>

namespace bubble::cli::net_commands {

namespace {

// "10", "0.5", "10%": a plain decimal number (no sign, exponent, inf or nan) from 0 to 100.
std::optional<double> ParsePercent(std::string_view text) {
  if (text.ends_with('%')) {
    text.remove_suffix(1);
  }
  if (text.empty() || !((text[0] >= '0' && text[0] <= '9') || text[0] == '.')) {
    return std::nullopt;
  }
  double v = 0;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, v, std::chars_format::fixed);
  if (ec != std::errc() || end != last || v < 0 || v > 100) {
    return std::nullopt;
  }
  return v;
}

double PercentFlag(std::string_view flag, const std::string& text, std::string_view example) {
  const auto v = ParsePercent(text);
  if (!v) {
    throw FaultFlagError(
        fmt::format("{} \"{}\": not a percentage; give a number from 0 to 100, e.g. {} {}", flag,
                    text, flag, example));
  }
  return *v;
}

// A duration as sim::ParseDuration reads it, or a bare "0" (a latency may be none).
std::optional<sim::Duration> ParseLatencyBound(std::string_view text) {
  return text == "0" ? std::optional<sim::Duration>(sim::Duration::zero())
                     : sim::ParseDuration(text);
}

constexpr std::string_view kLatencyFix =
    "give MAX or MIN..MAX, each a number with a unit (ns, us, ms, s, m, h) or 0, e.g. --latency "
    "5ms..50ms";

void ReadLatency(const std::string& text, apiserver::FlakyServer& flaky) {
  const std::size_t dots = text.find("..");
  const auto min = dots == std::string::npos
                       ? std::optional<sim::Duration>(sim::Duration::zero())
                       : ParseLatencyBound(std::string_view(text).substr(0, dots));
  const auto max = ParseLatencyBound(
      dots == std::string::npos ? std::string_view(text) : std::string_view(text).substr(dots + 2));
  if (!min || !max) {
    throw FaultFlagError(fmt::format("--latency \"{}\": not a duration; {}", text, kLatencyFix));
  }
  if (*min > *max) {
    throw FaultFlagError(
        fmt::format("--latency \"{}\": MIN is more than MAX; give MIN..MAX with MIN <= MAX, e.g. "
                    "--latency 5ms..50ms",
                    text));
  }
  flaky.latency_min = *min;
  flaky.latency_max = *max;
}

std::string Text(sim::Duration d) {
  return d == sim::Duration::zero() ? "0" : sim::FormatExactDuration(d);
}

}  // namespace

bool ServerFaults::Any() const {
  return flaky.error_percent > 0 || flaky.latency_max > sim::Duration::zero() ||
         flaky.watch_lifetime > sim::Duration::zero() || flaky.expire_percent > 0;
}

ServerFaults ReadServerFaults(const ApiServerArgs& args) {
  ServerFaults f;
  if (!args.error_rate.empty()) {
    f.flaky.error_percent = PercentFlag("--error-rate", args.error_rate, "10");
  }
  if (!args.latency.empty()) {
    ReadLatency(args.latency, f.flaky);
  }
  if (!args.watch_lifetime.empty()) {
    const auto d = sim::ParseDuration(args.watch_lifetime);
    if (!d) {
      throw FaultFlagError(fmt::format(
          "--watch-lifetime \"{}\": not a positive duration; give a number with a unit (ns, us, "
          "ms, s, m, h), e.g. --watch-lifetime 30s",
          args.watch_lifetime));
    }
    f.flaky.watch_lifetime = *d;
  }
  if (!args.expire_rate.empty()) {
    f.flaky.expire_percent = PercentFlag("--expire-rate", args.expire_rate, "5");
  }
  if (!args.fault_seed.empty()) {
    f.seed = sim::ParseSeed(args.fault_seed);
    if (!f.seed) {
      throw FaultFlagError(
          fmt::format("--fault-seed \"{}\": not a seed; give a non-negative integer, e.g. "
                      "--fault-seed 42",
                      args.fault_seed));
    }
  }
  return f;
}

std::string FaultsLine(const ServerFaults& faults, std::uint64_t seed) {
  if (!faults.Any()) {
    return "";
  }
  const apiserver::FlakyServer& f = faults.flaky;
  std::vector<std::string> on;
  if (f.error_percent > 0) {
    on.push_back(fmt::format(
        "{}% of API requests fail (500, 429 with Retry-After, 504; some writes applied first)",
        f.error_percent));
  }
  if (f.latency_max > sim::Duration::zero()) {
    on.push_back(
        f.latency_min == f.latency_max
            ? fmt::format("latency {} each way", Text(f.latency_max))
            : fmt::format("latency {}..{} each way", Text(f.latency_min), Text(f.latency_max)));
  }
  if (f.watch_lifetime > sim::Duration::zero()) {
    on.push_back(fmt::format("watches end within {}", Text(f.watch_lifetime)));
  }
  if (f.expire_percent > 0) {
    on.push_back(fmt::format("{}% of resumed watches expire (410)", f.expire_percent));
  }
  return fmt::format("faults: {}; fault seed {} (--fault-seed {} repeats the draws)",
                     fmt::join(on, ", "), seed, seed);
}

}  // namespace bubble::cli::net_commands
