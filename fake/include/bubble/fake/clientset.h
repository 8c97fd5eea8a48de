// fake/include/bubble/fake/clientset.h
//
// Clientset: the fake API server as a runtime::Clientset — client-go's fake.NewClientset plus
// testing.Fake (docs/semantics.md §1.6, §1.7), running inside a bubble.
//
//   auto cs = fake::NewClientset(runtime::ConfigMap({.name = "cm1", .namespace_ = "default"}));
//   bubble::sim::Bubble b;
//   auto r = b.Run([&] {
//     auto cms = cs->ConfigMaps("default");
//     auto list = cms.List();                       // items: cm1; resourceVersion "2"
//     auto w = cms.Watch({.resource_version = list->metadata.resource_version});
//     cms.Create(runtime::ConfigMap({.name = "cm2"}));
//     auto ev = (*w)->ResultChan().Recv();          // ADDED cm2
//   });
//
// Every call:
//  1. is traced: a slice "api: <verb> <resource> <ns/name>" from request to response (the
//     response text is "ok ..." or the status), instants for injected faults;
//  2. checks its context, then waits the request latency (Faults::latency);
//  3. may fail by an injected fault (Faults::errors) before reaching the server;
//  4. takes the clientset's lock, records the Action, runs the reactor chain (user reactors,
//     then ObjectReaction / DefaultWatchReaction over the Tracker), releases the lock;
//  5. may lose its response to an after-apply fault, waits the response latency, returns.
// Label selectors are applied to List results on the client side, as client-go's typed fake
// does (field selectors only with Fidelity::selectors); a selector that does not parse is a
// BadRequest (client-go's fake panics) and the call is not recorded.
//
// Reactors run under the lock, as in client-go: a reactor that calls back into the same
// clientset fails the run (the lock is not recursive); a reactor that blocks, blocks every
// other call. A reactor may use the Tracker directly.
//
// Threading: one bubble at a time; calls from fibers (or plain code before Run, without faults).
// Lifetime: the clients it hands out refer to it and must not outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <bubble/fake/action.h>
#include <bubble/fake/options.h>
#include <bubble/fake/tracker.h>
#include <bubble/fake/write_log.h>
#include <bubble/runtime/client.h>
#include <bubble/sim/error.h>
#include <bubble/sim/mutex.h>

namespace bubble::fake {

namespace detail {
class FakeResourceClient;
class WatchCache;
}  // namespace detail

class Clientset final : public runtime::Clientset {
 public:
  Clientset() : Clientset(Options{}) {}

  explicit Clientset(Options options);
  // With objects added through the tracker first (fake.NewClientset(objs...)); an object that
  // cannot be added is a UsageError (client-go panics).
  template <class... Objects>

  requires(std::is_base_of_v<runtime::Object, Objects>&&...) explicit Clientset(
      Options options, const Objects&... objects)
      : Clientset(std::move(options)) {
    (AddObject(objects), ...);
  }

  Clientset(const Clientset&) = delete;
  Clientset& operator=(const Clientset&) = delete;
  ~Clientset() override;

  // ---- runtime::Clientset ----
  runtime::ResourceClientPtr Resource(const runtime::GroupVersionResource& resource,
                                      std::string_view ns) override;
  const runtime::Scheme& GetScheme() const override;
  bool SupportsWatchList() const override;

  // ---- the server ----
  Tracker& GetTracker() noexcept { return tracker_; }

  const Options& GetOptions() const noexcept { return tracker_.GetOptions(); }

  // Faults can be changed at any time (for example, only after the informers synced).
  Faults& MutableFaults() noexcept { return tracker_.MutableFaults(); }

  // Every write request that reached the server (write_log.h), for fake::Liveness.
  const WriteLog& Writes() const noexcept { return writes_; }

  // API server `index` of Options::api_servers: a clientset on the same store whose reads (Get,
  // List, Watch start) go through that server's lagging watch cache by the resourceVersion rules
  // of docs/semantics.md §1.15; writes go to the store as this clientset's do. Requests pass the
  // same pipeline (trace, latency, faults, actions, reactors: a user's reactor sees the read
  // first; the default reaction reads the cache). This clientset itself reads the store. A
  // controller restarted against another index reads a different cache (SCENARIOS S08).
  // UsageError if `index` is out of range. Owned by this clientset: must not outlive it.
  std::shared_ptr<runtime::Clientset> ApiServer(std::size_t index);
  // Server `index`'s cache resourceVersion of `gvr` (1: none applied yet), for tests.
  std::int64_t ApiServerResourceVersion(std::size_t index,
                                        const runtime::GroupVersionResource& gvr);

  // A new clientset whose store is a copy of this one's at this moment (Tracker::CopyStoreFrom):
  // every object with its resourceVersion, uid and timestamps, each resource's counter (a List
  // answers the same resourceVersion) and the watch history (a Watch from a version in it
  // replays the same events), with this clientset's Options and Scheme — and nothing else: the
  // default reactors only, no actions, no write log, no open watches, no API servers
  // (Options::api_servers is emptied: their caches belong to the run), no garbage collector.
  // The copy shares the stored objects (they are immutable): it costs maps of pointers.
  // For `bubble run --pause-at` / `--serve`: callable from the scheduler with no fiber current
  // (a kernel hook) or after the run, outside any bubble; it records no trace event, draws no
  // random number and is no preemption point, so it does not change the run's fingerprint. The
  // snapshot is then independent of this clientset: a later write here is not in it, and its
  // Get, List and Watch work from the fibers of another bubble.
  std::shared_ptr<Clientset> Snapshot() const;

  // Adds an object through the tracker (create semantics); UsageError if it fails.
  void AddObject(const runtime::Object& obj);

  // ---- testing.Fake ----
  // Appends a reactor (tried after those already there).
  void AddReactor(std::string verb, std::string resource, ReactionFunc fn);
  // Inserts a reactor in front (tried first).
  void PrependReactor(std::string verb, std::string resource, ReactionFunc fn);
  void AddWatchReactor(std::string resource, WatchReactionFunc fn);
  void PrependWatchReactor(std::string resource, WatchReactionFunc fn);
  // Every recorded call, oldest first (a copy).
  std::vector<Action> Actions() const;
  void ClearActions();
  // Records `action` and runs the object reactor chain (testing.Fake.Invokes). An unhandled
  // action returns Reaction::Unhandled().
  Reaction Invokes(Action action);
  // Records `action` and runs the watch reactor chain; unhandled is an InternalError
  // "unhandled watch: ...".
  WatchReaction InvokesWatch(Action action);

 private:
  friend class detail::FakeResourceClient;

  struct Entry {
    std::string verb;
    std::string resource;
    ReactionFunc fn;
    bool reads_only = false;  // never changes the action (the defaults): no copy for it
    bool is_default = false;  // ObjectReaction over the tracker: a cache serves reads instead
  };

  struct WatchEntry {
    std::string resource;
    WatchReactionFunc fn;
    bool reads_only = false;
    bool is_default = false;
  };

  // Invokes / InvokesWatch with the default reaction's reads served by `cache` (null: the
  // tracker).
  Reaction InvokesOn(Action action, detail::WatchCache* cache);
  WatchReaction InvokesWatchOn(Action action, detail::WatchCache* cache);

  // Moves `action` into the log (Options::record_actions) and returns the recorded action.
  std::shared_ptr<const Action> Record(Action& action);

  template <class F>
  auto Locked(F&& f);

  Tracker tracker_{};
  // Options::api_servers: their caches and the clientsets ApiServer() hands out.
  std::vector<std::shared_ptr<detail::WatchCache>> caches_{};
  std::vector<std::shared_ptr<runtime::Clientset>> servers_{};
  // Guards the server's state across a request; not a preemption point (a request is one).
  sim::Mutex mu_{"fake clientset", sim::Preemptible::kNo};
  // Copy-on-write chains: a call walks a snapshot, so reactors may add reactors.
  std::shared_ptr<const std::vector<Entry>> reactors_ = std::make_shared<std::vector<Entry>>();
  std::shared_ptr<const std::vector<WatchEntry>> watch_reactors_ =
      std::make_shared<std::vector<WatchEntry>>();
  // Shared with the reactors that only read them (Invokes): recording copies nothing.
  std::vector<std::shared_ptr<const Action>> actions_{};
  WriteLog writes_{};
};

// fake.NewClientset(objs...): a shared clientset with the objects added.
template <class... Objects>

requires(std::is_base_of_v<runtime::Object, Objects>&&...) std::shared_ptr<Clientset> NewClientset(
    const Objects&... objects) {
  return std::make_shared<Clientset>(Options{}, objects...);
}

template <class... Objects>

requires(std::is_base_of_v<runtime::Object, Objects>&&...) std::shared_ptr<Clientset> NewClientset(
    Options options, const Objects&... objects) {
  return std::make_shared<Clientset>(std::move(options), objects...);
}

}  // namespace bubble::fake
