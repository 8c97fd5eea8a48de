// apiserver/src/strategic_merge.h
//
// Strategic merge patches (application/strategic-merge-patch+json, what `kubectl apply`, `edit`
// and `patch` send for built-in kinds) without Kubernetes' per-field schema: bubble turns one
// into a JSON merge patch against the object's current state (docs/semantics.md §1.16). A merge
// patch replaces a list whole, so a list the strategic patch merges by key is expanded to the
// full merged list:
//  - a list of objects whose patch elements all carry one of the usual merge keys (name,
//    containerPort, port, type, uid — the keys kube's types declare for containers, volumes,
//    env, ports, conditions, ownerReferences) merges element by element with the current list:
//    an element with a current match is merge-patched into it, a new one is appended, one with
//    "$patch": "delete" is removed; "$setElementOrder/<list>" orders the result;
//  - every other list replaces the current one, as in a merge patch;
//  - other "$" directives ($retainKeys, $deleteFromPrimitiveList...) are dropped.
#pragma once

#include <nlohmann/json.hpp>

namespace bubble::apiserver::detail {

// The JSON merge patch that has the effect of strategic merge patch `patch` on `current` (an
// object's JSON, as stored now).
nlohmann::json StrategicToMergePatch(const nlohmann::json& patch, const nlohmann::json& current);

}  // namespace bubble::apiserver::detail
