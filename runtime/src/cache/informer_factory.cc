// runtime/src/cache/informer_factory.cc
#include "bubble/runtime/cache/informer_factory.h"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/runtime/cache/errors.h>
#include <bubble/runtime/cache/wait_for_cache_sync.h>
#include <bubble/runtime/unstructured.h>
#include <bubble/sim/error.h>

namespace bubble::runtime::cache {

Result<void> SyncResult::AsError() const {
  std::vector<std::string> failed;
  for (const auto& [resource, ok] : synced) {
    if (!ok) {
      failed.push_back(resource.String());
    }
  }
  if (failed.empty() && !err) {
    return Ok();
  }
  return Err(
      NewCacheError(fmt::format("failed to sync caches for: [{}]: {}", fmt::join(failed, " "),
                                err ? err->message : "context ended")));
}

InformerFactory::InformerFactory(Clientset& clientset, InformerFactoryOptions options)
    : clientset_(&clientset), options_(std::move(options)) {}

InformerFactory::~InformerFactory() = default;

SharedIndexInformer& InformerFactory::InformerFor(const GroupVersionResource& resource,
                                                  const GroupVersionKind& kind,
                                                  const NewInformerFunc& make) {
  return GetOrCreate(resource, kind, make);
}

SharedIndexInformer& InformerFactory::InformerFor(const GroupVersionResource& resource) {
  std::optional<GroupVersionKind> kind;
  if (const KindInfo* info = clientset_->GetScheme().ForResource(resource); info != nullptr) {
    kind = info->kind;
  }
  return GetOrCreate(resource, kind, {});
}

Lister<Unstructured> InformerFactory::ListerFor(const GroupVersionResource& resource) {
  return Lister<Unstructured>(InformerFor(resource).GetIndexer(), resource.GetGroupResource());
}

SharedIndexInformer& InformerFactory::GetOrCreate(const GroupVersionResource& resource,
                                                  const std::optional<GroupVersionKind>& kind,
                                                  const NewInformerFunc& make) {
  auto it = informers_.find(resource);
  if (it != informers_.end()) {
    return *it->second.informer;
  }
  auto custom = options_.custom_resync.find(resource);
  const sim::Duration resync =
      custom != options_.custom_resync.end() ? custom->second : options_.default_resync;
  std::unique_ptr<SharedIndexInformer> informer;
  if (make) {
    informer = make(*clientset_, resync);
    BUBBLE_EXPECT(informer != nullptr,
                  "InformerFactory::InformerFor({}): the constructor returned no informer",
                  resource.String());
  } else {
    informer = std::make_unique<SharedIndexInformer>(
        ListWatchFromClient(*clientset_, resource, options_.namespace_,
                            options_.tweak_list_options),
        SharedIndexInformerOptions{
            .fiber_name = "informer/" + resource.resource,
            .expected_kind = kind,
            .resync_period = resync,
            .indexers = {{kNamespaceIndex, MetaNamespaceIndexFunc}},
            .fifo = options_.fifo,
            .use_watch_list = options_.use_watch_list,
        });
  }
  if (options_.transform) {
    // Cannot fail: the informer is not started yet.
    (void)informer->SetTransform(options_.transform);
  }
  auto& entry = informers_[resource];
  entry.informer = std::move(informer);
  return *entry.informer;
}

void InformerFactory::Start(const sim::Context& ctx) {
  if (shutting_down_) {
    return;
  }
  for (auto& [resource, entry] : informers_) {
    if (entry.started) {
      continue;
    }
    entry.started = true;
    SharedIndexInformer* informer = entry.informer.get();
    running_.Go(informer->FiberName(), [informer, ctx] { informer->Run(ctx); });
  }
}

void InformerFactory::Shutdown() {
  shutting_down_ = true;
  running_.Wait();
}

SyncResult InformerFactory::WaitForCacheSync(const sim::Context& ctx) {
  SyncResult result;
  for (auto& [resource, entry] : informers_) {
    if (!entry.started) {
      continue;
    }
    const bool ok = WaitFor(ctx, "", {entry.informer->HasSyncedChecker()});
    result.synced[resource] = ok;
    if (!ok && !result.err) {
      result.err = NewContextError(ctx.Err());
    }
  }
  return result;
}

std::map<GroupVersionResource, bool> InformerFactory::WaitForCacheSyncPolling(
    const sim::Context& ctx) {
  std::map<GroupVersionResource, bool> result;
  for (auto& [resource, entry] : informers_) {
    if (!entry.started) {
      continue;
    }
    SharedIndexInformer* informer = entry.informer.get();
    result[resource] = cache::WaitForCacheSync(ctx, {[informer] { return informer->HasSynced(); }});
  }
  return result;
}

}  // namespace bubble::runtime::cache
