// apiserver/src/list_options_rules.cc
#include "list_options_rules.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <bubble/runtime/group_version.h>

namespace bubble::apiserver::detail {

namespace {

constexpr std::string_view kNotOlderThan = "NotOlderThan";
constexpr std::string_view kExact = "Exact";

runtime::StatusCause Forbidden(std::string field, std::string_view why) {
  return {"FieldValueForbidden", fmt::format("Forbidden: {}", why), std::move(field)};
}

runtime::StatusCause NotSupported(std::string_view value, std::string_view supported) {
  return {"FieldValueNotSupported",
          fmt::format("Unsupported value: \"{}\": supported values: {}", value, supported),
          "resourceVersionMatch"};
}

void CheckWatch(const runtime::ListOptions& opts, bool watch_list,
                std::vector<runtime::StatusCause>& causes) {
  const std::string& match = opts.resource_version_match;
  if (opts.send_initial_events) {
    if (match != kNotOlderThan) {
      causes.push_back(Forbidden("resourceVersionMatch",
                                 "sendInitialEvents requires setting resourceVersionMatch to "
                                 "NotOlderThan"));
    }
    if (!watch_list) {
      // kube-apiserver's words, and what turns the gate off here.
      causes.push_back(Forbidden("sendInitialEvents",
                                 "sendInitialEvents is forbidden for watch unless the WatchList "
                                 "feature gate is enabled (bubble: this server's watch-list "
                                 "fidelity switch is off)"));
    }
  }
  if (match.empty()) {
    return;
  }
  if (!opts.send_initial_events) {
    causes.push_back(Forbidden("resourceVersionMatch",
                               "resourceVersionMatch is forbidden for watch unless "
                               "sendInitialEvents is provided"));
  }
  if (match != kNotOlderThan) {
    causes.push_back(NotSupported(match, "\"NotOlderThan\""));
  }
  if (!opts.continue_.empty()) {
    causes.push_back(Forbidden("resourceVersionMatch",
                               "resourceVersionMatch is forbidden when continue is "
                               "provided"));
  }
}

void CheckList(const runtime::ListOptions& opts, std::vector<runtime::StatusCause>& causes) {
  const std::string& match = opts.resource_version_match;
  if (!match.empty()) {
    if (opts.resource_version.empty()) {
      causes.push_back(Forbidden("resourceVersionMatch",
                                 "resourceVersionMatch is forbidden unless resourceVersion is "
                                 "provided"));
    }
    if (!opts.continue_.empty()) {
      causes.push_back(Forbidden("resourceVersionMatch",
                                 "resourceVersionMatch is forbidden when continue is provided"));
    }
    if (match != kExact && match != kNotOlderThan) {
      causes.push_back(NotSupported(match, "\"Exact\", \"NotOlderThan\", \"\""));
    }
    if (match == kExact && opts.resource_version == "0") {
      causes.push_back(Forbidden("resourceVersionMatch",
                                 "resourceVersionMatch \"exact\" is forbidden for resourceVersion "
                                 "\"0\""));
    }
  }
  if (opts.send_initial_events) {
    causes.push_back(Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
  }
}

}  // namespace

void DefaultWatchOptions(runtime::ListOptions& opts, bool watch_list) {
  if (!watch_list || opts.send_initial_events || !opts.resource_version_match.empty()) {
    return;
  }
  if (opts.resource_version.empty() || opts.resource_version == "0") {
    opts.send_initial_events = true;
    opts.resource_version_match = std::string(kNotOlderThan);
  }
}

runtime::Result<void> ValidateListOptions(const runtime::ListOptions& opts, bool watch,
                                          bool watch_list) {
  std::vector<runtime::StatusCause> causes;
  if (watch) {
    CheckWatch(opts, watch_list, causes);
  } else {
    CheckList(opts, causes);
  }
  if (causes.empty()) {
    return runtime::Ok();
  }
  return runtime::Err(runtime::NewInvalid({"meta.k8s.io", "ListOptions"}, "", std::move(causes)));
}

}  // namespace bubble::apiserver::detail
