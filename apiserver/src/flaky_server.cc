// apiserver/src/flaky_server.cc
#include <algorithm>
#include <string_view>
#include <vector>

#include <bubble/apiserver/flaky_server.h>
#include <bubble/fake/action.h>
#include <bubble/runtime/status.h>

namespace bubble::apiserver {

namespace {

// One kind of injected error and its share of a verb's failures.
struct Share {
  double weight;
  runtime::Status error;
  bool after_apply;
};

runtime::Status Internal(std::string_view when) {
  return runtime::NewInternalError(std::string("injected fault") + std::string(when));
}

runtime::Status Throttled() {
  // kube-apiserver's priority and fairness answers an overload in these words.
  return runtime::NewTooManyRequests("Too many requests, please try again later (injected fault)",
                                     kFlakyRetryAfterSeconds);
}

runtime::Status TimedOut(std::string_view when) {
  // kube-apiserver's timeout filter sends no Retry-After: client-go does not retry by itself.
  return runtime::NewTimeoutError(
      std::string("request did not complete within the allotted timeout (injected fault") +
          std::string(when) + ")",
      0);
}

constexpr std::string_view kApplied = " after the write was applied";

std::vector<Share> ReadMix() {
  return {{0.5, Internal(""), false}, {0.25, Throttled(), false}, {0.25, TimedOut(""), false}};
}

// A throttled request never reaches storage; a timed-out write has (the common case of a lost
// response); a 500 comes either way.
std::vector<Share> WriteMix() {
  return {{0.25, Internal(""), false},
          {0.25, Internal(kApplied), true},
          {0.25, Throttled(), false},
          {0.25, TimedOut(kApplied), true}};
}

// Appends rules for `verb` so that, tried in order (the first whose draw fires decides), a
// fraction `rate` of its requests fail, split by the mix's weights: each rule's probability is
// its share of what the rules before it left.
void AddRules(std::vector<fake::ErrorRule>& rules, std::string_view verb, double rate,
              const std::vector<Share>& mix) {
  double claimed = 0;
  for (const Share& s : mix) {
    const double want = rate * s.weight;
    const double left = 1 - claimed;
    rules.push_back({.verb = std::string(verb),
                     .resource = "*",
                     .probability = left > 0 ? std::min(1.0, want / left) : 1.0,
                     .error = s.error,
                     .after_apply = s.after_apply});
    claimed += want;
  }
}

}  // namespace

fake::Faults FlakyFaults(const FlakyServer& flaky) {
  fake::Faults f;
  const double rate = std::clamp(flaky.error_percent, 0.0, 100.0) / 100;
  if (rate > 0) {
    for (std::string_view verb : {fake::kVerbGet, fake::kVerbList, fake::kVerbWatch}) {
      AddRules(f.errors, verb, rate, ReadMix());
    }
    for (std::string_view verb : {fake::kVerbCreate, fake::kVerbUpdate, fake::kVerbPatch,
                                  fake::kVerbDelete, fake::kVerbDeleteCollection}) {
      AddRules(f.errors, verb, rate, WriteMix());
    }
  }
  if (flaky.latency_max > sim::Duration::zero()) {
    f.latency.push_back({.min = flaky.latency_min, .max = flaky.latency_max});
  }
  f.watch_max_lifetime = flaky.watch_lifetime;
  f.compaction_probability = std::clamp(flaky.expire_percent, 0.0, 100.0) / 100;
  return f;
}

}  // namespace bubble::apiserver
