// runtime/src/cache/list_watch.cc
#include "bubble/runtime/cache/list_watch.h"

#include <string>
#include <utility>

namespace bubble::runtime::cache {

namespace {

// `inner` with another answer to SupportsWatchList().
class WatchListOverride final : public ListerWatcher {
 public:
  WatchListOverride(ListerWatcherPtr inner, bool supports_watch_list)
      : inner_(std::move(inner)), supports_watch_list_(supports_watch_list) {}

  Result<ObjectList> List(const sim::Context& ctx, const ListOptions& opts) override {
    return inner_->List(ctx, opts);
  }

  Result<WatchPtr> Watch(const sim::Context& ctx, const ListOptions& opts) override {
    return inner_->Watch(ctx, opts);
  }

  bool SupportsWatchList() const override { return supports_watch_list_; }

 private:
  ListerWatcherPtr inner_;
  bool supports_watch_list_;
};

}  // namespace

ListerWatcherPtr ListWatchFromClient(ResourceClientPtr client, bool supports_watch_list,
                                     ListOptionsTweak tweak) {
  auto list = [client, tweak](const sim::Context& ctx, const ListOptions& opts) {
    if (!tweak) {
      return client->List(ctx, opts);
    }
    ListOptions tweaked = opts;
    tweak(tweaked);
    return client->List(ctx, tweaked);
  };
  auto watch = [client, tweak](const sim::Context& ctx, const ListOptions& opts) {
    if (!tweak) {
      return client->Watch(ctx, opts);
    }
    ListOptions tweaked = opts;
    tweak(tweaked);
    return client->Watch(ctx, tweaked);
  };
  return std::make_shared<ListWatch>(std::move(list), std::move(watch), supports_watch_list);
}

ListerWatcherPtr ListWatchFromClient(Clientset& clientset, const GroupVersionResource& resource,
                                     std::string_view ns, ListOptionsTweak tweak) {
  return ListWatchFromClient(clientset.Resource(resource, ns), clientset.SupportsWatchList(),
                             std::move(tweak));
}

ListerWatcherPtr ToListWatcherWithWatchListSemantics(ListerWatcherPtr lw,
                                                     const Clientset& clientset) {
  const bool supports = clientset.SupportsWatchList();
  if (lw->SupportsWatchList() == supports) {
    return lw;
  }
  return std::make_shared<WatchListOverride>(std::move(lw), supports);
}

}  // namespace bubble::runtime::cache
