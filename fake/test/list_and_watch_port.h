// fake/test/list_and_watch_port.h
//
// client-go's TestListAndWatch (testing/internal/listandwatch_test.go, docs/semantics.md §2.1) as a
// function of the bubble it runs in: a fake clientset holding default/cm1, an informer whose
// Watch is held back until the test has created default/cm2, and a counting handler. Shared by
// the test (list_and_watch_test.cc) and the benchmark (fake/bench/informer_bench.cc).
//
// It records what the Go test asserts instead of asserting inside the bubble, so a planted bug
// shows up as an outcome (one object instead of two) rather than as an exception.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/fake/clientset.h>
#include <bubble/runtime/cache/informer_factory.h>
#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/shared_informer.h>
#include <bubble/runtime/config_map.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/context.h>
#include <bubble/sim/event.h>

namespace bubble::fake::testing {

enum class SyncWait { kChannel, kPolling };

struct ListAndWatchConfig {
  SyncWait wait = SyncWait::kChannel;
  // client-go's fake tracker: this is a port of a Go test written against it (its List->Watch
  // gap and informers that list, then watch, are the point).
  Options server = Options::ClientGoFake();
  // Start from an empty collection (the seed-empty-rv case) instead of default/cm1.
  bool initially_empty = false;
  runtime::cache::FifoKind fifo = runtime::cache::FifoKind::kReal;
};

struct ListAndWatchOutcome {
  std::size_t objects_after_sync = 0;
  std::size_t objects_at_end = 0;
  int adds = 0;
  int updates = 0;
  int deletes = 0;
  bool handler_synced = false;
  bool informer_synced = false;
  std::string list_rv;
  std::string watch_rv;
  bool create_failed = false;
  friend bool operator==(const ListAndWatchOutcome&, const ListAndWatchOutcome&) = default;
};

// The test body; run it as the root fiber of a bubble. `out` must outlive the run.
inline void ListAndWatchBody(const ListAndWatchConfig& cfg, ListAndWatchOutcome& out) {
  namespace rt = bubble::runtime;
  namespace cache = bubble::runtime::cache;
  const rt::ConfigMap cm1({.name = "cm1", .namespace_ = "default"});
  auto client = cfg.initially_empty ? NewClientset(cfg.server) : NewClientset(cfg.server, cm1);

  sim::Event create_done("createDone");
  cache::InformerFactory factory(*client, {.fifo = cfg.fifo});
  cache::SharedIndexInformer& informer =
      factory.InformerFor<rt::ConfigMap>([&](rt::Clientset& cs, sim::Duration resync) {
        auto configmaps = cs.Resource(rt::ConfigMap::StaticResource(), "");
        auto lw = std::make_shared<cache::ListWatch>(
            [configmaps, &out](const sim::Context& ctx, const rt::ListOptions& opts) {
              auto list = configmaps->List(ctx, opts);
              if (list) {
                out.list_rv = list->metadata.resource_version;
                sim::Log().info("\"Listed\" configMaps={} err=<nil>", list->items.size());
              } else {
                sim::Log().info("\"Listed\" err=\"{}\"", list.error().message);
              }
              return list;
            },
            [configmaps, &out, &create_done](const sim::Context& ctx, const rt::ListOptions& opts) {
              out.watch_rv = opts.resource_version;
              sim::Log().info("\"Delaying Watch...\"");
              create_done.Wait();
              sim::Log().info("\"Continuing Watch...\"");
              return configmaps->Watch(ctx, opts);
            });
        return std::make_unique<cache::SharedIndexInformer>(
            cache::ToListWatcherWithWatchListSemantics(lw, cs),
            cache::SharedIndexInformerOptions{.fiber_name = "informer/configmaps",
                                              .expected_kind = rt::ConfigMap::StaticKind(),
                                              .resync_period = resync,
                                              .fifo = cfg.fifo});
      });
  auto handle = informer.AddEventHandler(cache::ResourceEventHandlerFuncs{
      .add = [&out](const rt::ObjectPtr&, bool) { ++out.adds; },
      .update = [&out](const rt::ObjectPtr&, const rt::ObjectPtr&) { ++out.updates; },
      .del = [&out](const cache::DeltaObject&) { ++out.deletes; },
  });
  cache::Store& store = informer.GetStore();

  auto [ctx, cancel] = sim::WithCancel(sim::Context::Background());
  factory.Start(ctx);
  if (cfg.wait == SyncWait::kChannel) {
    (void)factory.WaitForCacheSync(ctx);
  } else {
    (void)factory.WaitForCacheSyncPolling(ctx);
  }
  sim::Log().info("\"Caches synced\"");
  out.objects_after_sync = store.size();

  const rt::ConfigMap cm2({.name = "cm2", .namespace_ = "default"});
  out.create_failed = !client->ConfigMaps("default").Create(cm2).has_value();
  sim::Log().info("\"Created second ConfigMap\"");
  create_done.Set();

  sim::Wait();
  out.objects_at_end = store.size();
  out.handler_synced = (*handle)->HasSynced();
  out.informer_synced = informer.HasSynced();
  informer.RemoveEventHandler(*handle);
  cancel();
  factory.Shutdown();
}

// Whether the outcome is the Go test's PASS for `cfg`.
inline bool ListAndWatchPassed(const ListAndWatchConfig& cfg, const ListAndWatchOutcome& o) {
  const std::size_t initial = cfg.initially_empty ? 0 : 1;
  return !o.create_failed && o.objects_after_sync == initial && o.objects_at_end == initial + 1 &&
         o.adds == static_cast<int>(initial + 1) && o.updates == 0 && o.deletes == 0 &&
         o.handler_synced;
}

}  // namespace bubble::fake::testing
