// runtime/include/bubble/runtime/cache/list_watch.h
//
// File: ListerWatcher, what a Reflector lists and watches through (client-go's
// tools/cache ListerWatcher, ListWatch and ToListWatcherWithWatchListSemantics).
//
// A ListerWatcher is one resource in one scope: List returns its current state with a
// resourceVersion, Watch streams the changes after a resourceVersion. It also says whether its
// Watch honours `send_initial_events` (WatchList semantics, docs/semantics.md §3.6); the Reflector
// only streams its initial list when it does.
//
// Two ready-made ones:
//
//   // Over a client: what informers use. Carries clientset.SupportsWatchList().
//   auto lw = cache::ListWatchFromClient(clientset, runtime::ConfigMap::StaticResource(), "");
//
//   // From two functions, as client-go's ListWatch{ListFunc, WatchFunc} in tests:
//   auto client = clientset.Resource(runtime::ConfigMap::StaticResource(), "");
//   auto lw = cache::ToListWatcherWithWatchListSemantics(
//       std::make_shared<cache::ListWatch>(
//           [client](const sim::Context& ctx, const runtime::ListOptions& o) {
//             auto l = client->List(ctx, o);
//             sim::Log().info("Listed");
//             return l;
//           },
//           [client](const sim::Context& ctx, const runtime::ListOptions& o) {
//             return client->Watch(ctx, o);
//           }),
//       clientset);
//
// Difference from client-go: a ListWatch built from functions does *not* claim WatchList
// support unless told (`supports_watch_list`); client-go assumes support unless the client opts
// out. Hand-written watch functions rarely stream initial events, and a reflector that waits for
// an end-of-initial-events bookmark that never comes makes no progress.
//
// Threading: fibers of one bubble; calls may block (they are API calls).
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include <bubble/runtime/client.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/resource_client.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::cache {

// Lists and watches one resource in one scope.
class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  // The current state and its resourceVersion. The context bounds the call.
  virtual Result<ObjectList> List(const sim::Context& ctx, const ListOptions& opts) = 0;
  // A watch of the changes after opts.resource_version. The context bounds the call, not the
  // watch: stop the watch with Watcher::Stop().
  virtual Result<WatchPtr> Watch(const sim::Context& ctx, const ListOptions& opts) = 0;
  // Whether Watch honours send_initial_events (all objects as ADDED, then a BOOKMARK annotated
  // k8s.io/initial-events-end). client-go: !IsWatchListSemanticsUnSupported().
  virtual bool SupportsWatchList() const = 0;
};

using ListerWatcherPtr = std::shared_ptr<ListerWatcher>;

using ListFunc = std::function<Result<ObjectList>(const sim::Context&, const ListOptions&)>;
using WatchFunc = std::function<Result<WatchPtr>(const sim::Context&, const ListOptions&)>;
// Edits the options of every List and Watch (client-go's tweakListOptions): selectors, mostly.
using ListOptionsTweak = std::function<void(ListOptions&)>;

// A ListerWatcher made of two functions (client-go's ListWatch{ListFunc, WatchFunc}).
class ListWatch final : public ListerWatcher {
 public:
  ListWatch(ListFunc list, WatchFunc watch, bool supports_watch_list = false)
      : list_(std::move(list)),
        watch_(std::move(watch)),
        supports_watch_list_(supports_watch_list) {}

  Result<ObjectList> List(const sim::Context& ctx, const ListOptions& opts) override {
    return list_(ctx, opts);
  }

  Result<WatchPtr> Watch(const sim::Context& ctx, const ListOptions& opts) override {
    return watch_(ctx, opts);
  }

  bool SupportsWatchList() const override { return supports_watch_list_; }

 private:
  ListFunc list_;
  WatchFunc watch_;
  bool supports_watch_list_;
};

// Lists and watches through `client` (client-go's NewFilteredListWatchFromClient), with `tweak`
// applied to the options of every call. `supports_watch_list`: whether the server behind the
// client streams initial events.
ListerWatcherPtr ListWatchFromClient(ResourceClientPtr client, bool supports_watch_list,
                                     ListOptionsTweak tweak = {});

// Lists and watches `resource` in `ns` ("" = all namespaces) through `clientset`, carrying
// clientset.SupportsWatchList() (client-go's NewListWatchFromClient followed by
// ToListWatcherWithWatchListSemantics). The clientset must outlive the ListerWatcher.
ListerWatcherPtr ListWatchFromClient(Clientset& clientset, const GroupVersionResource& resource,
                                     std::string_view ns, ListOptionsTweak tweak = {});

// `lw`, reporting the WatchList support of `clientset` (client-go's
// ToListWatcherWithWatchListSemantics: the fake clientset opts out, docs/semantics.md §1.8, so
// informers on it list then watch). Use it when `lw`'s functions call through `clientset`. Returns
// `lw` itself when it already reports the same.
ListerWatcherPtr ToListWatcherWithWatchListSemantics(ListerWatcherPtr lw,
                                                     const Clientset& clientset);

}  // namespace bubble::runtime::cache
