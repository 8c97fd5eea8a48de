// fake/include/bubble/fake/options.h
//
// Everything that configures the fake API server, in one struct: fidelity switches, planted
// bugs, faults, the watch buffer and the kinds it knows.
//
//   fake::Options opts;                          // behaves like a real API server
//   opts.fidelity.watch_list = false;            // informers list, then watch
//   opts.bugs.legacy_watch = true;               // or: opts.bugs.Enable("legacy-watch")
//   opts.faults.errors.push_back({.verb = "update", .resource = "leases", .probability = 0.1});
//   opts.api_servers.push_back({.lag_max = 2s});  // cs.ApiServer(0) reads a cache 0-2 s behind
//   fake::Clientset cs(opts);
//
//   fake::Clientset go(fake::Options::ClientGoFake());  // client-go's fake tracker, for Go ports
//
// Defaults behave like a real API server (docs/semantics.md §1.9): every fidelity switch is on,
// the history unbounded; every bug is off. Test controllers against the defaults: a correct
// controller passes every seed. Options::ClientGoFake() is client-go's fake tracker at HEAD
// (docs/semantics.md §1.2-§1.6, §1.10), switch for switch, for porting Go tests written against
// it; what remains different from a real server is docs/semantics.md §1.13.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/fake/faults.h>
#include <bubble/runtime/scheme.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::fake {

// Behaviour of a real API server that client-go's fake lacks (docs/semantics.md §1.9). Every
// switch is on by default; None() turns them all off (client-go's fake tracker). Names in
// parentheses are the spellings Enable() accepts.
struct Fidelity {
  // (stamp-rv) Write the tracker's resourceVersion into metadata.resourceVersion of every
  // stored object (FakeControllerSource style).
  bool stamp_resource_version = true;
  // (conflicts) 409 Conflict when an update or patch carries a non-empty resourceVersion that is
  // not the stored one, and for unmet delete preconditions. Implies stamp_resource_version.
  bool conflicts = true;
  // (tombstones) Keep an event history: a Watch from resourceVersion N replays every change
  // after N with its real type (ADDED, MODIFIED, DELETED) in resourceVersion order, instead of
  // the current objects as ADDED. Deletes take a resourceVersion of their own.
  bool tombstones = true;
  // (history=N) Keep at most N events; a Watch from a resourceVersion older than the retained
  // history gets 410 Expired. 0: unbounded. Deletes take a resourceVersion of their own.
  std::size_t history_limit = 0;
  // (bookmarks) Watches opened with allow_watch_bookmarks get a BOOKMARK carrying the current
  // resourceVersion after their replay, on Tracker::Bookmark(), and before a timeout ends them.
  bool bookmarks = true;
  // (selectors) Label and field selectors filter List and Watch on the server (an object that
  // stops matching is sent as DELETED, one that starts matching as ADDED).
  bool selectors = true;
  // (generate-name) Create fills an empty name from metadata.generateName plus five random
  // characters; a create with neither is 422 Invalid.
  bool generate_name = true;
  // (finalizers) Delete of an object with finalizers sets deletionTimestamp (MODIFIED) instead
  // of removing it; the update that removes the last finalizer deletes it (DELETED).
  bool finalizers = true;
  // (uid-timestamps) Create sets uid (random), creationTimestamp (virtual now) and generation 1;
  // updates keep them, and bump generation when anything but metadata and status changed.
  bool uid_and_timestamps = true;
  // (status-subresource) UpdateStatus changes only .status; Update and Patch leave .status as
  // stored (client-go's fake replaces the whole object in both).
  bool status_subresource = true;
  // (delete-collection) DeleteCollection deletes the matching objects (client-go's fake: a
  // silent no-op).
  bool delete_collection = true;
  // (watch-timeouts) A watch opened with timeout_seconds ends after that much virtual time.
  bool watch_timeouts = true;
  // (watch-list) Watch honours send_initial_events (all objects as ADDED, then a BOOKMARK
  // annotated k8s.io/initial-events-end), and the clientset reports SupportsWatchList().
  bool watch_list = true;

  // Every switch on, history unbounded (the default).
  static Fidelity All();
  // Every switch off: client-go's fake tracker at HEAD (docs/semantics.md §1.9, §1.10).
  static Fidelity None();
  // Turns on one switch by its name above ("conflicts", "history=100"); "all" turns every switch
  // on, "none" (or "client-go") every switch off (history_limit stays as it is in both), and
  // "no-<name>" turns one off ("no-watch-list", "no-history": unbounded). Names apply in order:
  // "none" then "conflicts" is client-go's fake with conflict checks.
  runtime::Result<void> Enable(std::string_view name);
  // The names of the switches that are on, in declaration order.
  std::vector<std::string> EnabledNames() const;

  bool StampsResourceVersion() const noexcept { return stamp_resource_version || conflicts; }

  bool KeepsHistory() const noexcept { return tombstones || history_limit > 0; }
};

// One API server in front of the store (docs/semantics.md §1.15): its watch cache follows the
// store `lag` behind, and Clientset::ApiServer() reads through it by a real watch cache's
// resourceVersion rules ("0": whatever the cache holds, stale; "": a consistent read; N: at least
// N, waiting for the cache). Writes always go to the store.
struct ApiServerOptions {
  // For the trace; "" is "apiserver-<index + 1>".
  std::string name{};
  // The lag, drawn once per run (sim::Rand(), at the server's first use inside the bubble, and
  // traced) uniformly in [lag_min, lag_max]: a change committed at t enters this server's cache
  // at t + lag. Zero: the cache is as fresh as the store (the rules above still apply).
  sim::Duration lag_min{};
  sim::Duration lag_max{};
  // Changes the cache keeps per resource (0: every change since the server started); a watch
  // from an older resourceVersion gets 410 Expired ("too old resource version").
  std::size_t window = 0;
};

// Bugs the scenario suite plants to prove it finds them (DESIGN "Planted bugs").
struct PlantedBugs {
  // "legacy-watch": Watch never replays anything, whatever the options (the tracker before
  // kubernetes#135959: an object created between List and Watch is lost).
  bool legacy_watch = false;
  // "seed-empty-rv": List of a never-written collection returns resourceVersion "", and a Watch
  // from "" replays nothing (the gap of #135959 itself, fixed by #136143).
  bool seed_empty_rv = false;
  // "finalizer-delete-new-state": the update that removes the last finalizer of an object being
  // deleted sends DELETED with the update's new state, and selectors judge it by that state (the
  // fake before issue 11: a watcher whose selector the new labels leave keeps the object forever,
  // one they enter gets DELETED for an object it never saw).
  bool finalizer_delete_new_state = false;
  // "gc-trusts-graph": the garbage collector (garbage_collector.h) takes an owner its informers
  // have not reported yet for an owner that is gone, without the live read (kubernetes#88097:
  // after a restart it deleted healthy dependents observed before their owners).
  bool gc_trusts_graph = false;

  // Every bug name, sorted.
  static std::span<const std::string_view> Names() noexcept;
  // Turns on the bug `name`; BadRequest naming the known bugs if unknown.
  runtime::Result<void> Enable(std::string_view name);
  std::vector<std::string> EnabledNames() const;
};

struct Options {
  // client-go's fake tracker at HEAD: every fidelity switch off (Fidelity::None()), everything
  // else at its default. For ports of Go tests written against client-go's fake, and for planted
  // bugs that need its quirks (docs/semantics.md §1.9, §1.10); not for judging a controller.
  static Options ClientGoFake();

  Fidelity fidelity{};
  PlantedBugs bugs{};
  Faults faults{};
  // Events a watch buffers (client-go: watch.DefaultChanSize = 100). A delivery to a full
  // buffer fails the run with a report (client-go's fake panics). 0 makes every watch
  // unbuffered: a delivery then needs a consumer already waiting.
  std::size_t watch_buffer = 100;
  // Record every call in Clientset::Actions() (turn off for long benchmarks).
  bool record_actions = true;
  // Write requests allowed at one virtual instant before the run fails as not converged
  // (write_log.h): writes that never let time move are a livelock no settle phase can end.
  // Generous: setting up thousands of objects at one instant stays far below it. 0: no budget.
  std::size_t writes_per_instant = 10'000;
  // The watch-consistency oracle: the server checks every watch stream it sends against its own
  // state — what a watch held at its start plus its events equals, after every change, the
  // objects filtered the same way (namespace, label and field selectors); no event lost,
  // duplicated or out of order (docs/semantics.md §1.5). A violation is a bug in the fake, not
  // in the code under test, and fails the run with a report. Costs a few selector matches per
  // watch per write (fake/bench/fake_bench.cc measures it on and off); off, nothing is checked.
  bool check_watches = true;
  // Delete honours DeleteOptions::propagation_policy as a real server does: "Orphan" and
  // "Foreground" set deletionTimestamp and add the orphan / foregroundDeletion finalizer, which a
  // fake::GarbageCollector (garbage_collector.h) running in the bubble removes; any other value
  // but "" and "Background" is a BadRequest. Off (the default): the policy is ignored, as by
  // client-go's fake, and no collector may run.
  bool garbage_collector = false;
  // The API servers Clientset::ApiServer(i) reads through, each with its own lagging watch
  // cache (ApiServerOptions above, docs/semantics.md §1.15). Empty, the default: no caches, every
  // read is served by the store, as in client-go's fake.
  std::vector<ApiServerOptions> api_servers{};
  // How long a read through an API server waits for its cache to reach the resourceVersion it
  // needs before failing with 504 "Too large resource version" (the real cacher: 3 s).
  sim::Duration fresh_wait = std::chrono::seconds(3);
  // The kinds the server knows (for decoding, bookmarks and field-selector validation).
  runtime::Scheme scheme = runtime::Scheme::Builtin();
};

}  // namespace bubble::fake
