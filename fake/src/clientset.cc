// fake/src/clientset.cc
#include "bubble/fake/clientset.h"

#include <mutex>
#include <optional>
#include <utility>

#include <bubble/fake/clientset_capture.h>
#include <bubble/runtime/field_selector.h>
#include <bubble/runtime/label_selector.h>
#include <bubble/sim/access_log.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/preempt.h>
#include <bubble/sim/timer.h>

#include "tracker_state.h"
#include "watch_cache.h"

namespace bubble::fake {

using detail::InBubble;
using runtime::Err;
using runtime::ObjectList;
using runtime::ObjectPtr;
using runtime::Result;
using runtime::Status;
using runtime::WatchPtr;

namespace {

// Whether a request crosses a network: the running bubble's Options::preempt has `api`.
bool RequestsYield() {
  return sim::Bubble::Current()->GetOptions().preempt.Has(sim::PreemptKind::kApi);
}

// Order coverage (sim/access_log.h): what a request the server serves reads or writes. An
// object is "RESOURCE NAMESPACE/NAME", a namespace's collection "RESOURCE NAMESPACE/*" and all
// of a resource "RESOURCE */*": a list reads a collection, a write to an object writes a member
// of its collections. A watch reads nothing here (its replay is the list's business).
void NoteServed(const Action& a, const void* server) {
  if (!sim::RecordingAccesses()) {
    return;
  }
  const std::string& resource = a.resource.resource;
  std::string operation = a.verb + " " + resource;
  if (!a.subresource.empty()) {
    operation += "/" + a.subresource;
  }
  const std::string all = resource + " */*";
  const std::string collection = a.namespace_.empty() ? all : resource + " " + a.namespace_ + "/*";
  auto note_members = [&](sim::AccessKind kind) {
    sim::NoteAccess(kind, collection, operation, server);
    if (collection != all) {
      sim::NoteAccess(sim::AccessKind::kMemberWrite, all, operation, server);
    }
  };
  if (a.verb == kVerbGet) {
    sim::NoteAccess(sim::AccessKind::kRead, resource + " " + a.namespace_ + "/" + a.name, operation,
                    server);
  } else if (a.verb == kVerbList) {
    sim::NoteAccess(sim::AccessKind::kRead, collection, operation, server);
  } else if (a.verb == kVerbDeleteCollection) {
    note_members(sim::AccessKind::kWrite);
  } else if (a.verb == kVerbCreate || a.verb == kVerbUpdate || a.verb == kVerbPatch ||
             a.verb == kVerbDelete) {
    if (!a.name.empty()) {  // a create with generateName names a new object: no one else's
      sim::NoteAccess(sim::AccessKind::kWrite, resource + " " + a.namespace_ + "/" + a.name,
                      operation, server);
    }
    note_members(sim::AccessKind::kMemberWrite);
  }
}

bool VerbMatches(std::string_view filter, std::string_view verb) {
  return filter == "*" || filter == verb;
}

// What the faults decided for one request, drawn when it starts.
struct Plan {
  sim::Duration request_latency{};
  sim::Duration response_latency{};
  std::optional<Status> fault;
  bool after_apply = false;
};

sim::Duration Draw(sim::Rng& rng, sim::Duration lo, sim::Duration hi) {
  if (hi <= lo) {
    return lo;
  }
  return rng.UniformDuration(lo, hi + sim::Duration(1));
}

Plan MakePlan(const Faults& faults, const Action& action) {
  Plan plan;
  if (!InBubble()) {
    return plan;
  }
  for (const LatencyRule& rule : faults.latency) {
    if (VerbMatches(rule.verb, action.verb) && ResourceCovers(rule.resource, action)) {
      plan.request_latency = Draw(sim::Rand(), rule.min, rule.max);
      plan.response_latency = Draw(sim::Rand(), rule.min, rule.max);
      break;
    }
  }
  for (const ErrorRule& rule : faults.errors) {
    if (rule.probability > 0 && VerbMatches(rule.verb, action.verb) &&
        ResourceCovers(rule.resource, action) && sim::Rand().Bernoulli(rule.probability)) {
      plan.fault = rule.error;
      plan.after_apply = rule.after_apply;
      break;
    }
  }
  return plan;
}

std::string DescribeOk(const ObjectPtr& obj) {
  return obj == nullptr ? std::string("ok") : fmt::format("ok {}", obj->metadata);
}

std::string DescribeOk(const ObjectList& list) {
  return fmt::format("ok {} items rv={}", list.items.size(), list.metadata.resource_version);
}

std::string DescribeOk(const WatchPtr& w) {
  if (const auto* cw = dynamic_cast<const runtime::ChannelWatcher*>(w.get())) {
    return fmt::format("ok {}", cw->Name());
  }
  return "ok watch";
}

template <class R>
std::string DescribeResult(const Result<R>& r) {
  if (!r) {
    return fmt::format("{:v}", r.error());
  }
  if constexpr (std::is_void_v<R>) {
    return "ok";
  } else {
    return DescribeOk(*r);
  }
}

// Selectors are parsed when the action is built; client-go's fake panics on a bad one.
Result<void> CheckSelectors(const runtime::ListOptions& opts) {
  if (!opts.label_selector.empty()) {
    if (auto l = runtime::LabelSelector::Parse(opts.label_selector); !l) {
      return Err(std::move(l.error()));
    }
  }
  if (!opts.field_selector.empty()) {
    if (auto f = runtime::FieldSelector::Parse(opts.field_selector); !f) {
      return Err(std::move(f.error()));
    }
  }
  return {};
}

}  // namespace

namespace detail {

// One resource in one namespace of the fake, read from the store or through an API server's
// watch cache (`cache`, Clientset::ApiServer()).
class FakeResourceClient final : public runtime::ResourceClient {
 public:
  FakeResourceClient(Clientset& cs, runtime::GroupVersionResource gvr, std::string ns,
                     WatchCache* cache = nullptr)
      : cs_(&cs), gvr_(std::move(gvr)), ns_(std::move(ns)), cache_(cache) {}

  using runtime::ResourceClient::Patch;

  const runtime::GroupVersionResource& Resource() const override { return gvr_; }

  const std::string& Namespace() const override { return ns_; }

  Result<ObjectPtr> Get(const sim::Context& ctx, std::string_view name,
                        const runtime::GetOptions& opts) override {
    Action a = NewAction(kVerbGet);
    a.name = std::string(name);
    a.get_options = opts;
    return Call<ObjectPtr>(ctx, std::move(a), [this, &ctx](Action action) -> Result<ObjectPtr> {
      if (auto fresh = AwaitFresh(ctx, kVerbGet, action.get_options.resource_version); !fresh) {
        return Err(std::move(fresh.error()));
      }
      return ObjectResult(cs_->InvokesOn(std::move(action), cache_));
    });
  }

  Result<ObjectList> List(const sim::Context& ctx, const runtime::ListOptions& opts) override {
    Action a = NewAction(kVerbList);
    a.list_options = opts;
    return Call<ObjectList>(ctx, std::move(a), [this, &ctx](Action action) -> Result<ObjectList> {
      if (auto ok = CheckSelectors(action.list_options); !ok) {
        return Err(std::move(ok.error()));
      }
      if (auto fresh = AwaitFresh(ctx, kVerbList, action.list_options.resource_version); !fresh) {
        return Err(std::move(fresh.error()));
      }
      const std::string selector = action.list_options.label_selector;
      Reaction r = cs_->InvokesOn(std::move(action), cache_);
      if (!r.handled) {
        return ObjectList{};
      }
      if (r.error) {
        return Err(std::move(*r.error));
      }
      if (!r.list) {
        return Err(runtime::NewInternalError("a reactor handled list without returning a list"));
      }
      ObjectList list = std::move(*r.list);
      if (!selector.empty()) {
        // client-go's typed fake filters by label on the client side (§1.7).
        const runtime::LabelSelector sel = *runtime::LabelSelector::Parse(selector);
        if (!sel.Empty()) {
          std::erase_if(list.items, [&](const ObjectPtr& o) {
            return o == nullptr || !sel.Matches(o->metadata.labels);
          });
        }
      }
      return list;
    });
  }

  Result<WatchPtr> Watch(const sim::Context& ctx, const runtime::ListOptions& opts) override {
    Action a = NewAction(kVerbWatch);
    a.list_options = opts;
    a.list_options.watch = true;
    return Call<WatchPtr>(ctx, std::move(a), [this, &ctx](Action action) -> Result<WatchPtr> {
      if (auto ok = CheckSelectors(action.list_options); !ok) {
        return Err(std::move(ok.error()));
      }
      if (auto fresh = AwaitFresh(ctx, kVerbWatch, action.list_options.resource_version); !fresh) {
        return Err(std::move(fresh.error()));
      }
      WatchReaction r = cs_->InvokesWatchOn(std::move(action), cache_);
      if (r.error) {
        return Err(std::move(*r.error));
      }
      if (r.watch == nullptr) {
        return Err(runtime::NewInternalError("a watch reactor handled watch without a watch"));
      }
      return std::move(r.watch);
    });
  }

  Result<ObjectPtr> Create(const sim::Context& ctx, const runtime::Object& obj,
                           const runtime::CreateOptions& /*opts*/) override {
    return Write(ctx, kVerbCreate, obj, "");
  }

  Result<ObjectPtr> Update(const sim::Context& ctx, const runtime::Object& obj,
                           const runtime::UpdateOptions& /*opts*/) override {
    return Write(ctx, kVerbUpdate, obj, "");
  }

  Result<ObjectPtr> UpdateStatus(const sim::Context& ctx, const runtime::Object& obj,
                                 const runtime::UpdateOptions& /*opts*/) override {
    return Write(ctx, kVerbUpdate, obj, "status");
  }

  Result<ObjectPtr> Patch(const sim::Context& ctx, std::string_view name, runtime::PatchType type,
                          std::string_view data, const runtime::PatchOptions& /*opts*/,
                          std::string_view subresource) override {
    Action a = NewAction(kVerbPatch);
    a.name = std::string(name);
    a.subresource = std::string(subresource);
    a.patch_type = type;
    a.patch = std::string(data);
    return Call<ObjectPtr>(ctx, std::move(a), [this](Action action) {
      return ObjectResult(cs_->Invokes(std::move(action)));
    });
  }

  Result<void> Delete(const sim::Context& ctx, std::string_view name,
                      const runtime::DeleteOptions& opts) override {
    Action a = NewAction(kVerbDelete);
    a.name = std::string(name);
    a.delete_options = opts;
    return Call<void>(ctx, std::move(a), [this](Action action) -> Result<void> {
      Reaction r = cs_->Invokes(std::move(action));
      if (r.error) {
        return Err(std::move(*r.error));
      }
      return {};
    });
  }

  Result<void> DeleteCollection(const sim::Context& ctx, const runtime::DeleteOptions& opts,
                                const runtime::ListOptions& list_opts) override {
    Action a = NewAction(kVerbDeleteCollection);
    a.list_options = list_opts;
    a.delete_options = opts;
    return Call<void>(ctx, std::move(a), [this](Action action) -> Result<void> {
      if (auto ok = CheckSelectors(action.list_options); !ok) {
        return ok;
      }
      Reaction r = cs_->Invokes(std::move(action));
      if (r.error) {
        return Err(std::move(*r.error));
      }
      return {};  // unhandled: client-go's silent no-op
    });
  }

 private:
  // Reads through a cache first wait until it can serve them (watch_cache.h); outside the lock,
  // so writes go on meanwhile.
  Result<void> AwaitFresh(const sim::Context& ctx, std::string_view verb, std::string_view rv) {
    if (cache_ == nullptr) {
      return {};
    }
    return cache_->AwaitFresh(ctx, gvr_, verb, rv);
  }

  Action NewAction(std::string_view verb) const {
    Action a;
    a.verb = std::string(verb);
    a.resource = gvr_;
    a.namespace_ = ns_;
    return a;
  }

  Result<ObjectPtr> Write(const sim::Context& ctx, std::string_view verb,
                          const runtime::Object& obj, std::string_view subresource) {
    Action a = NewAction(verb);
    a.name = obj.metadata.name;
    a.subresource = std::string(subresource);
    a.object = ObjectPtr(obj.Clone());
    return Call<ObjectPtr>(ctx, std::move(a), [this](Action action) {
      return ObjectResult(cs_->Invokes(std::move(action)));
    });
  }

  // A nil or missing result is an empty object of the kind, as client-go's typed fake returns.
  Result<ObjectPtr> ObjectResult(Reaction r) const {
    if (r.error) {
      return Err(std::move(*r.error));
    }
    if (!r.handled || r.object == nullptr) {
      return ObjectPtr(cs_->GetScheme().NewForResource(gvr_));
    }
    return std::move(r.object);
  }

  // The request pipeline: trace, context, latency, faults, then `serve` (which invokes the
  // reactor chain), then response latency.
  template <class R, class Serve>
  Result<R> Call(const sim::Context& ctx, Action action, Serve serve) {
    const bool traced = InBubble();
    std::uint64_t span = 0;
    if (traced) {
      span = sim::TraceBegin("api", fmt::format("{}", action));
    }
    auto finish = [&](Result<R> r) {
      if (traced) {
        sim::TraceEnd(span, DescribeResult(r));
      }
      return r;
    };
    if (ctx.IsDone()) {
      return finish(Err(runtime::NewContextError(ctx.Err())));
    }
    const Plan plan = MakePlan(cs_->GetOptions().faults, action);
    // A request and its response each cross a network: other fibers may run in between, and the
    // strategy decides whether they do — two preemption points of kind `api` (a latency rule's
    // sleeps take their place). Without `api` in sim::Options::preempt, a request without latency
    // runs to completion without letting any other fiber run.
    const bool yields = traced && RequestsYield();
    if (plan.request_latency > sim::Duration::zero()) {
      if (!sim::SleepFor(plan.request_latency, ctx)) {
        return finish(Err(runtime::NewContextError(ctx.Err())));
      }
    } else if (yields) {
      sim::PreemptionPoint(sim::PreemptKind::kApi);
    }
    if (plan.fault && !plan.after_apply) {
      sim::TraceInstant("fault", fmt::format("{}: {:v}", action, *plan.fault));
      return finish(Err(*plan.fault));
    }
    std::string what;
    if (plan.fault) {
      what = fmt::format("{}", action);
    }
    NoteServed(action, cs_);
    Result<R> result = serve(std::move(action));
    if (plan.fault) {
      sim::TraceInstant("fault", fmt::format("{}: applied, then {:v}", what, *plan.fault));
      result = Err(*plan.fault);
    }
    if (plan.response_latency > sim::Duration::zero()) {
      if (!sim::SleepFor(plan.response_latency, ctx)) {
        return finish(Err(runtime::NewContextError(ctx.Err())));
      }
    } else if (yields) {
      sim::PreemptionPoint(sim::PreemptKind::kApi);
    }
    return finish(std::move(result));
  }

  Clientset* cs_;
  runtime::GroupVersionResource gvr_;
  std::string ns_;
  WatchCache* cache_;
};

}  // namespace detail

namespace {

// What Clientset::ApiServer() hands out: the clientset's resources, read through one cache.
class ApiServerClientset final : public runtime::Clientset {
 public:
  ApiServerClientset(fake::Clientset& cs, detail::WatchCache& cache) : cs_(&cs), cache_(&cache) {}

  runtime::ResourceClientPtr Resource(const runtime::GroupVersionResource& resource,
                                      std::string_view ns) override {
    return std::make_shared<detail::FakeResourceClient>(*cs_, resource, std::string(ns), cache_);
  }

  const runtime::Scheme& GetScheme() const override { return cs_->GetScheme(); }

  bool SupportsWatchList() const override { return cs_->SupportsWatchList(); }

 private:
  fake::Clientset* cs_;
  detail::WatchCache* cache_;
};

}  // namespace

template <class F>
auto Clientset::Locked(F&& f) {
  if (InBubble()) {
    std::unique_lock<sim::Mutex> lock(mu_);
    return f();
  }
  return f();
}

Clientset::Clientset(Options options) : tracker_(std::move(options)) {
  ClientsetCapture::Created(*this);
  // The default reactions only read the action: they may be handed the recorded one.
  reactors_ = std::make_shared<std::vector<Entry>>(std::vector<Entry>{
      {"*", "*", [this](Action& a) { return ObjectReaction(tracker_, a); }, true, true}});
  watch_reactors_ = std::make_shared<std::vector<WatchEntry>>(std::vector<WatchEntry>{
      {"*", [this](Action& a) { return DefaultWatchReaction(tracker_, a); }, true, true}});
  // The API servers' caches follow the store from its first write (objects added below too).
  const std::vector<ApiServerOptions>& servers = tracker_.GetOptions().api_servers;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    std::string name =
        servers[i].name.empty() ? fmt::format("apiserver-{}", i + 1) : servers[i].name;
    auto cache = std::make_shared<detail::WatchCache>(std::move(name), servers[i],
                                                      tracker_.GetOptions(), tracker_);
    tracker_.AddChangeListener(
        [c = cache.get()](const runtime::GroupVersionResource& gvr, runtime::WatchEventType type,
                          const ObjectPtr& obj, const ObjectPtr& old,
                          std::int64_t rv) { c->Observe(gvr, type, obj, old, rv); });
    servers_.push_back(std::make_shared<ApiServerClientset>(*this, *cache));
    caches_.push_back(std::move(cache));
  }
}

std::shared_ptr<runtime::Clientset> Clientset::ApiServer(std::size_t index) {
  BUBBLE_EXPECT(index < servers_.size(),
                "fake::Clientset::ApiServer({}): the clientset has {} API servers; add them to "
                "fake::Options::api_servers",
                index, servers_.size());
  return servers_[index];
}

std::int64_t Clientset::ApiServerResourceVersion(std::size_t index,
                                                 const runtime::GroupVersionResource& gvr) {
  BUBBLE_EXPECT(index < caches_.size(),
                "fake::Clientset::ApiServerResourceVersion({}): the clientset has {} API servers",
                index, caches_.size());
  return caches_[index]->ResourceVersion(gvr);
}

Clientset::~Clientset() {
  ClientsetCapture::Destroyed(*this);  // its final state, for `bubble run --serve`
}

runtime::ResourceClientPtr Clientset::Resource(const runtime::GroupVersionResource& resource,
                                               std::string_view ns) {
  return std::make_shared<detail::FakeResourceClient>(*this, resource, std::string(ns));
}

const runtime::Scheme& Clientset::GetScheme() const {
  return tracker_.GetScheme();
}

bool Clientset::SupportsWatchList() const {
  return tracker_.GetOptions().fidelity.watch_list;
}

std::shared_ptr<Clientset> Clientset::Snapshot() const {
  Options options = GetOptions();
  options.api_servers.clear();
  auto copy = std::make_shared<Clientset>(std::move(options));
  copy->tracker_.CopyStoreFrom(tracker_);
  return copy;
}

void Clientset::AddObject(const runtime::Object& obj) {
  const Result<ObjectPtr> added = tracker_.Add(obj);
  BUBBLE_EXPECT(added.has_value(), "fake::Clientset: cannot add {}: {}", obj,
                added.has_value() ? std::string() : added.error().message);
}

void Clientset::AddReactor(std::string verb, std::string resource, ReactionFunc fn) {
  auto next = std::make_shared<std::vector<Entry>>(*reactors_);
  next->push_back({std::move(verb), std::move(resource), std::move(fn)});
  reactors_ = std::move(next);
}

void Clientset::PrependReactor(std::string verb, std::string resource, ReactionFunc fn) {
  auto next = std::make_shared<std::vector<Entry>>();
  next->reserve(reactors_->size() + 1);
  next->push_back({std::move(verb), std::move(resource), std::move(fn)});
  next->insert(next->end(), reactors_->begin(), reactors_->end());
  reactors_ = std::move(next);
}

void Clientset::AddWatchReactor(std::string resource, WatchReactionFunc fn) {
  auto next = std::make_shared<std::vector<WatchEntry>>(*watch_reactors_);
  next->push_back({std::move(resource), std::move(fn)});
  watch_reactors_ = std::move(next);
}

void Clientset::PrependWatchReactor(std::string resource, WatchReactionFunc fn) {
  auto next = std::make_shared<std::vector<WatchEntry>>();
  next->reserve(watch_reactors_->size() + 1);
  next->push_back({std::move(resource), std::move(fn)});
  next->insert(next->end(), watch_reactors_->begin(), watch_reactors_->end());
  watch_reactors_ = std::move(next);
}

std::vector<Action> Clientset::Actions() const {
  std::vector<Action> out;
  out.reserve(actions_.size());
  for (const std::shared_ptr<const Action>& a : actions_) {
    out.push_back(*a);
  }
  return out;
}

void Clientset::ClearActions() {
  actions_.clear();
}

std::shared_ptr<const Action> Clientset::Record(Action& action) {
  if (!GetOptions().record_actions) {
    return nullptr;
  }
  auto recorded = std::make_shared<const Action>(std::move(action));
  actions_.push_back(recorded);
  return recorded;
}

namespace {

// The action a reactor in a chain is handed. A recorded action is moved into the log (see
// Clientset::Record) and lent to reactors that only read it; the copy a reactor may change is
// made for the first that may (a user's), so a chain of the defaults copies nothing. Recording
// every call used to copy every action, half the time of a long run's requests.
class ReactorAction {
 public:
  ReactorAction(Action& unrecorded, std::shared_ptr<const Action> recorded)
      : recorded_(std::move(recorded)), own_(recorded_ != nullptr ? nullptr : &unrecorded) {}

  const Action& View() const { return own_ != nullptr ? *own_ : *recorded_; }

  Action& For(bool reads_only) {
    if (own_ != nullptr) {
      return *own_;
    }
    if (reads_only) {
      return const_cast<Action&>(*recorded_);  // NOLINT: handed only to reactors that read
    }
    copy_ = *recorded_;
    own_ = &*copy_;
    return *own_;
  }

 private:
  std::shared_ptr<const Action> recorded_;  // kept alive even if a reactor clears the log
  Action* own_;
  std::optional<Action> copy_;
};

}  // namespace

Reaction Clientset::Invokes(Action action) {
  return InvokesOn(std::move(action), nullptr);
}

WatchReaction Clientset::InvokesWatch(Action action) {
  return InvokesWatchOn(std::move(action), nullptr);
}

namespace {

// The default reaction's reads from an API server's cache (the writes it leaves to the tracker).
Reaction CacheReaction(detail::WatchCache& cache, const Action& a) {
  if (a.verb == kVerbGet) {
    Result<ObjectPtr> obj =
        cache.Get(a.resource, a.namespace_, a.name, a.get_options.resource_version);
    return obj ? Reaction::Handled(std::move(*obj)) : Reaction::Failed(std::move(obj.error()));
  }
  Result<ObjectList> list = cache.List(a.resource, a.namespace_, a.list_options);
  return list ? Reaction::HandledList(std::move(*list)) : Reaction::Failed(std::move(list.error()));
}

}  // namespace

Reaction Clientset::InvokesOn(Action action, detail::WatchCache* cache) {
  return Locked([&] {
    ReactorAction a(action, Record(action));
    Reaction r = Reaction::Unhandled();
    // A snapshot: reactors added while this call runs apply from the next call.
    const std::shared_ptr<const std::vector<Entry>> chain = reactors_;
    for (const Entry& e : *chain) {
      if (!VerbMatches(e.verb, a.View().verb) || !ResourceCovers(e.resource, a.View())) {
        continue;
      }
      if (cache != nullptr && e.is_default &&
          (a.View().verb == kVerbGet || a.View().verb == kVerbList)) {
        return CacheReaction(*cache, a.View());  // a read: nothing for the write log
      }
      r = e.fn(a.For(e.reads_only));
      if (r.handled) {
        break;
      }
    }
    writes_.Note(a.View(), !r.error.has_value(), GetOptions().writes_per_instant);
    return r;
  });
}

WatchReaction Clientset::InvokesWatchOn(Action action, detail::WatchCache* cache) {
  return Locked([&] {
    ReactorAction a(action, Record(action));
    const std::shared_ptr<const std::vector<WatchEntry>> chain = watch_reactors_;
    for (const WatchEntry& e : *chain) {
      if (!ResourceCovers(e.resource, a.View())) {
        continue;
      }
      if (cache != nullptr && e.is_default) {
        const Action& v = a.View();
        Result<WatchPtr> w = cache->Watch(v.resource, v.namespace_, v.list_options);
        return w ? WatchReaction::Handled(std::move(*w))
                 : WatchReaction::Failed(std::move(w.error()));
      }
      WatchReaction r = e.fn(a.For(e.reads_only));
      if (r.handled) {
        return r;
      }
    }
    const Action& v = a.View();
    return WatchReaction::Failed(runtime::NewInternalError(
        fmt::format("unhandled watch: {} {} in {}", v.resource, v.list_options,
                    v.namespace_.empty() ? "(all namespaces)" : v.namespace_)));
  });
}

}  // namespace bubble::fake
