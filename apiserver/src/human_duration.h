// apiserver/src/human_duration.h
//
// The AGE column of `kubectl get`: kube-apiserver's printers format the time since an object's
// creationTimestamp with apimachinery's duration.HumanDuration, which keeps two or three
// significant figures ("5s", "119s", "3m2s", "15m", "7h5m", "30h", "3d4h", "400d", "2y10d",
// "26y"). Reproduced rule for rule so bubble's tables read like a real cluster's.
#pragma once

#include <optional>
#include <string>

#include <bubble/sim/clock.h>

namespace bubble::apiserver::detail {

// duration.HumanDuration: "<invalid>" below -1s (clock skew beyond tolerance), "0s" for a
// slightly negative duration, then the figures above.
std::string HumanDuration(sim::Duration d);

// translateTimestampSince of kube's printers: HumanDuration(now - t), "<unknown>" when the
// object has no timestamp.
std::string AgeSince(const std::optional<sim::TimePoint>& t, sim::TimePoint now);

}  // namespace bubble::apiserver::detail
