// apiserver/src/version_info.h
//
// GET /version (version.Info): what `kubectl version` prints as the server's version. bubble
// answers as a Kubernetes 1.20 server (the API it serves is the subset kubectl 1.20 needs), with
// bubble's own version in gitVersion's pre-release part so a reader of `kubectl version` sees
// which bubble it talks to: "v1.20.0-bubble.0.2.0". Fields kubectl prints but bubble has no
// answer for (gitCommit, buildDate, goVersion) are fixed strings, never the wall clock, so the
// document is the same on every run.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace bubble::apiserver::detail {

// "v1.20.0-bubble.<project version>".
std::string GitVersion();

// {"major":"1","minor":"20","gitVersion":...,"gitCommit":...,"gitTreeState":...,"buildDate":...,
//  "goVersion":...,"compiler":...,"platform":"linux/amd64"}.
nlohmann::json VersionInfo();

}  // namespace bubble::apiserver::detail
