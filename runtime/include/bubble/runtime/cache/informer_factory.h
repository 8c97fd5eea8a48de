// runtime/include/bubble/runtime/cache/informer_factory.h
//
// File: InformerFactory, client-go's SharedInformerFactory (SEMANTICS.md §5.5, §6): one shared
// informer per resource, started together, waited for together.
//
//   cache::InformerFactory factory(clientset);
//   auto& informer = factory.InformerFor<runtime::ConfigMap>();
//   auto lister = factory.ListerFor<runtime::ConfigMap>();
//   auto widgets = factory.ListerFor({"example.com", "v1", "widgets"});  // Lister<Unstructured>
//   factory.Start(ctx);                          // a fiber per informer: "informer/configmaps"
//   auto synced = factory.WaitForCacheSync(ctx); // moves no virtual time
//   ...
//   cancel(); factory.Shutdown();                // waits for every informer fiber
//
// Two ways to wait (§6):
//  - WaitForCacheSync: waits on each informer's synced event (k/k#135395's
//    WaitForCacheSyncWithContext). No virtual time passes: the test goes on the moment the caches
//    are synced. The default.
//  - WaitForCacheSyncPolling: client-go's older cache.WaitForCacheSync per informer, checking at
//    once and then every 100 ms of virtual time — each unsuccessful check costs exactly 100 ms
//    (the "Caches synced" at 00:00:00.100000 of the seed commit's log).
// Both wait only for informers already started, in resource order.
//
// Informers made by the factory key their cache with the namespace index (listers by namespace
// use it), list and watch in the factory's namespace with its list-options tweak, and carry the
// factory's transform. InformerFor with a constructor lets a test build its own informer (a
// hand-made ListWatch, as client-go's TestListAndWatch does); the first constructor for a
// resource wins.
//
// Threading: from fibers of one bubble (InformerFor and the listers also before any fiber runs).
// The clientset must outlive the factory; informers live as long as the factory. Cancel the
// context given to Start and call Shutdown before the factory goes away.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/lister.h>
#include <bubble/runtime/cache/queue.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/client.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>
#include <bubble/sim/wait_group.h>

namespace bubble::runtime {
class Unstructured;  // unstructured.h, for ListerFor(resource)
}

namespace bubble::runtime::cache {

struct InformerFactoryOptions {
  // The informers' resync period, unless custom_resync names the resource.
  sim::Duration default_resync{};
  std::map<GroupVersionResource, sim::Duration> custom_resync{};
  // "" = all namespaces.
  std::string namespace_{};
  // Applied to every List and Watch (label or field selectors, mostly).
  ListOptionsTweak tweak_list_options{};
  // Set on every informer the factory creates (client-go's WithTransform).
  TransformFunc transform{};
  FifoKind fifo = FifoKind::kReal;
  bool use_watch_list = true;
};

// Builds an informer for the factory (client-go's NewInformerFunc): the clientset and the
// resync period the factory resolved for the resource.
using NewInformerFunc =
    std::function<std::unique_ptr<SharedIndexInformer>(Clientset&, sim::Duration resync)>;

// What WaitForCacheSync returns (client-go's SyncResult).
struct SyncResult {
  // Per started informer: synced before the context ended.
  std::map<GroupVersionResource, bool> synced{};
  // The context's error when some informer did not sync.
  std::optional<Status> err{};
  // Ok, or an error naming the unsynced resources: "failed to sync caches for: [v1/pods]: ...".
  Result<void> AsError() const;
};

class InformerFactory {
 public:
  explicit InformerFactory(Clientset& clientset, InformerFactoryOptions options = {});
  InformerFactory(const InformerFactory&) = delete;
  InformerFactory& operator=(const InformerFactory&) = delete;
  ~InformerFactory();

  // The informer of `resource` (objects of `kind`), created on first use with `make` or the
  // default constructor (ListWatchFromClient + namespace index + the factory's options).
  SharedIndexInformer& InformerFor(const GroupVersionResource& resource,
                                   const GroupVersionKind& kind, const NewInformerFunc& make = {});

  // The informer of a resource without a type in this program (a custom resource): its objects
  // are Unstructured, unless the clientset's scheme has code for the resource's kind.
  SharedIndexInformer& InformerFor(const GroupVersionResource& resource);

  template <class T>
  SharedIndexInformer& InformerFor(const NewInformerFunc& make = {}) {
    return InformerFor(T::StaticResource(), T::StaticKind(), make);
  }

  // A lister over InformerFor<T>()'s cache.
  template <class T>
  Lister<T> ListerFor() {
    return Lister<T>(InformerFor<T>().GetIndexer(), T::StaticResource().GetGroupResource());
  }

  // A lister of Unstructured over InformerFor(resource)'s cache (include unstructured.h to use
  // it). Objects cached as a typed kind are converted on each read.
  Lister<Unstructured> ListerFor(const GroupVersionResource& resource);

  // Runs every informer not yet started, each in its own fiber, until `ctx` ends. From a fiber.
  // Ignored after Shutdown.
  void Start(const sim::Context& ctx);
  // Refuses further Starts and waits until every informer fiber has returned (cancel the
  // context given to Start first).
  void Shutdown();

  // Waits, without moving virtual time, for every started informer.
  SyncResult WaitForCacheSync(const sim::Context& ctx);
  // Polls every started informer in turn, every 100 ms of virtual time.
  std::map<GroupVersionResource, bool> WaitForCacheSyncPolling(const sim::Context& ctx);

 private:
  SharedIndexInformer& GetOrCreate(const GroupVersionResource& resource,
                                   const std::optional<GroupVersionKind>& kind,
                                   const NewInformerFunc& make);

  struct Entry {
    std::unique_ptr<SharedIndexInformer> informer;
    bool started = false;
  };

  Clientset* clientset_;
  InformerFactoryOptions options_;
  std::map<GroupVersionResource, Entry> informers_;
  sim::WaitGroup running_{"informer factory"};
  bool shutting_down_ = false;
};

}  // namespace bubble::runtime::cache
