// apiserver/src/list_options_rules.h
//
// What kube-apiserver does to a list or watch request's options before it asks storage
// (apimachinery's SetListOptionsDefaults and ValidateListOptions, as of 1.32; docs/semantics.md
// §1.16). `watch_list` stands for its WatchList feature gate: bubble's is the fake's watch-list
// fidelity switch (Clientset::SupportsWatchList()).
//
// Defaults: with WatchList, a watch from "" or "0" that names neither `sendInitialEvents` nor
// `resourceVersionMatch` gets sendInitialEvents=true and resourceVersionMatch=NotOlderThan (so
// it streams the same objects, and, with bookmarks, ends them with the initial-events-end
// bookmark).
//
// Validation, in kube-apiserver's words: a request that breaks a rule is 422 Invalid
// `ListOptions.meta.k8s.io "" is invalid: FIELD: ...`, one cause per broken rule.
//  - watch: `sendInitialEvents` (true or false) needs `resourceVersionMatch=NotOlderThan`, and
//    WatchList; `resourceVersionMatch` needs `sendInitialEvents`, can only be NotOlderThan, and
//    not with a continue token.
//  - list: no `sendInitialEvents`; `resourceVersionMatch` (Exact or NotOlderThan) needs a
//    `resourceVersion`, not with a continue token, and Exact not with "0".
// `allowWatchBookmarks` is not checked, as kube-apiserver does not check it: a watch with
// sendInitialEvents and without bookmarks gets the objects but no end bookmark.
#pragma once

#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>

namespace bubble::apiserver::detail {

// Applies the defaults above to the options of a watch.
void DefaultWatchOptions(runtime::ListOptions& opts, bool watch_list);

// Ok, or 422 Invalid naming every broken rule. `opts` as read from the query (continue
// included) and defaulted.
runtime::Result<void> ValidateListOptions(const runtime::ListOptions& opts, bool watch,
                                          bool watch_list);

}  // namespace bubble::apiserver::detail
