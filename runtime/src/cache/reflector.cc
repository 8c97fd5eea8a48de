// runtime/src/cache/reflector.cc
//
// Follows client-go's tools/cache/reflector.go (docs/semantics.md §3) step by step: Run is
// wait.BackoffUntil(ListAndWatch, sliding), List is list() with its pager, WatchList is
// watchList(), WatchLoop is watch(), HandleWatch is handleAnyWatch(). Where Go's select picks at
// random between ready cases, bubble's Select lets the strategy pick; the context is always the
// first case so that under the fifo strategy a cancelled reflector stops first.
#include "bubble/runtime/cache/reflector.h"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/runtime/pager.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/event.h>
#include <bubble/sim/select.h>
#include <bubble/sim/timer.h>
#include <bubble/sim/wait_group.h>

namespace bubble::runtime::cache {

namespace {

namespace level = spdlog::level;

constexpr std::string_view kUnspecifiedType = "<unspecified>";
constexpr std::string_view kVeryShortWatchPrefix = "very short watch: ";
constexpr std::string_view kResourceVersionTooLargeCause = "ResourceVersionTooLarge";

// klog verbosity in spdlog levels: V(0) info, V(1)-V(2) debug, V(3)+ trace.
constexpr level::level_enum kV2 = level::debug;
constexpr level::level_enum kV3 = level::trace;
constexpr level::level_enum kV4 = level::trace;

spdlog::logger& Logger() {
  return sim::Bubble::Current()->Logger("reflector");
}

// Go's %q for log values: quotes, escaping backslashes, quotes and control characters.
std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

using Kv = std::pair<std::string_view, std::string_view>;

// One log line in klog's text form: a bare message, or `"msg" key="value" ...` when it carries
// key/value pairs (contextual logging, as client-go's reflector logs since 1.31).
void Emit(level::level_enum lvl, std::string_view msg, std::initializer_list<Kv> kvs = {}) {
  spdlog::logger& log = Logger();
  if (!log.should_log(lvl)) {
    return;
  }
  if (kvs.size() == 0) {
    log.log(lvl, "{}", msg);
    return;
  }
  std::string line = Quote(msg);
  for (const auto& [key, value] : kvs) {
    line.push_back(' ');
    line.append(key);
    line.push_back('=');
    line += Quote(value);
  }
  log.log(lvl, "{}", line);
}

// utilruntime.HandleError: an error that is logged, not returned.
void HandleError(std::string_view err) {
  Emit(level::err, "Unhandled Error", {{"err", err}});
}

std::string Message(const Status& s) {
  return fmt::format("{}", s);
}

Status Wrapped(Status s, std::string_view prefix) {
  s.message.insert(0, prefix);
  return s;
}

// A client-side error (code 0): not an API status, so no Is* predicate of status.h matches it.
Status ClientError(std::string message) {
  Status s;
  s.reason = StatusReason::kUnknown;
  s.code = 0;
  s.message = std::move(message);
  return s;
}

// The temporary store of a streamed initial state (client-go: NewStore with
// DeletionHandlingMetaNamespaceKeyFunc). Lists in key order (Go's map order is random).
class InitialEventsStore final : public ReflectorStore {
 public:
  Result<void> Add(ObjectPtr obj) override { return Put(std::move(obj)); }

  Result<void> Update(ObjectPtr obj) override { return Put(std::move(obj)); }

  Result<void> Delete(DeltaObject obj) override {
    if (const auto* tombstone = std::get_if<DeletedFinalStateUnknown>(&obj)) {
      items_.erase(tombstone->key);
    } else if (const ObjectPtr& o = std::get<ObjectPtr>(obj); o != nullptr) {
      items_.erase(o->metadata.Key());
    }
    return Ok();
  }

  Result<void> Replace(std::vector<ObjectPtr> items, std::string /*resource_version*/) override {
    items_.clear();
    for (ObjectPtr& o : items) {
      Put(std::move(o));
    }
    return Ok();
  }

  Result<void> Resync() override { return Ok(); }

  void Clear() { items_.clear(); }

  std::vector<ObjectPtr> List() const {
    std::vector<ObjectPtr> out;
    out.reserve(items_.size());
    for (const auto& [key, obj] : items_) {
      out.push_back(obj);
    }
    return out;
  }

 private:
  Result<void> Put(ObjectPtr obj) {
    if (obj != nullptr) {
      std::string key = obj->metadata.Key();
      items_.insert_or_assign(std::move(key), std::move(obj));
    }
    return Ok();
  }

  std::map<std::string, ObjectPtr> items_;
};

// client-go's retryWithDeadline for internal errors of watches.
class InternalErrorRetry {
 public:
  InternalErrorRetry(sim::Duration max_retry, sim::Duration min_reset)
      : max_retry_(max_retry), min_reset_(min_reset) {}

  void After(const Status* err) {
    if (err == nullptr || !IsInternalError(*err)) {
      return;
    }
    const sim::TimePoint now = sim::Now();
    if (!streak_ || now - last_ >= min_reset_) {
      streak_ = true;
      first_ = now;
    }
    last_ = now;
  }

  bool ShouldRetry() {
    if (max_retry_ <= sim::Duration::zero()) {
      return false;
    }
    if (streak_ && sim::Now() - first_ <= max_retry_) {
      return true;
    }
    streak_ = false;
    return false;
  }

 private:
  sim::Duration max_retry_;
  sim::Duration min_reset_;
  // An internal-error streak: its first and latest error (Go: zero times when there is none).
  bool streak_ = false;
  sim::TimePoint first_{};
  sim::TimePoint last_{};
};

// Stops a watch when the scope ends, whichever way it ends.
class StopOnExit {
 public:
  explicit StopOnExit(WatchPtr& w) : w_(w) {}

  StopOnExit(const StopOnExit&) = delete;
  StopOnExit& operator=(const StopOnExit&) = delete;

  ~StopOnExit() {
    if (w_ != nullptr) {
      w_->Stop();
    }
  }

 private:
  WatchPtr& w_;
};

Status NullWatchError() {
  return ClientError("the ListerWatcher returned no watch and no error");
}

}  // namespace

// ---- Error classes ------------------------------------------------------------------------------

bool IsExpiredError(const Status& err) noexcept {
  return IsResourceExpired(err) || IsGone(err);
}

bool IsTooLargeResourceVersionError(const Status& err) noexcept {
  for (const StatusCause& cause : err.details.causes) {
    if (cause.type == kResourceVersionTooLargeCause) {
      return true;
    }
  }
  if (!IsTimeout(err)) {
    return false;
  }
  for (const StatusCause& cause : err.details.causes) {
    if (cause.message == "Too large resource version") {
      return true;
    }
  }
  return err.message.find("Too large resource version") != std::string::npos;
}

bool IsConnectionRefused(const Status& err) noexcept {
  return err.code == 0 && err.context == sim::ContextError::kNone &&
         err.message.find("connection refused") != std::string::npos;
}

bool IsWatchErrorRetriable(const Status& err) noexcept {
  return IsConnectionRefused(err) || IsTooManyRequests(err);
}

bool IsVeryShortWatchError(const Status& err) noexcept {
  return err.code == 0 && err.message.starts_with(kVeryShortWatchPrefix);
}

Status NewConnectionRefused(std::string_view address) {
  return ClientError(fmt::format("dial tcp {}: connect: connection refused", address));
}

void DefaultWatchErrorHandler(Reflector& reflector, const Status& err) {
  const std::string msg = Message(err);
  if (IsExpiredError(err)) {
    Emit(kV4, "Watch closed",
         {{"reflector", reflector.Name()}, {"type", reflector.TypeDescription()}, {"err", msg}});
    return;
  }
  Emit(level::err, "Failed to watch",
       {{"err", msg}, {"reflector", reflector.Name()}, {"type", reflector.TypeDescription()}});
}

// ---- Reflector ----------------------------------------------------------------------------------

// How one watch ended (handleAnyWatch's return values).
struct Reflector::WatchEnd {
  enum class Kind { kClosed, kStopped, kError };
  Kind kind = Kind::kClosed;
  Status error{};
  // A BOOKMARK annotated k8s.io/initial-events-end was seen.
  bool initial_events_end = false;
};

// What the watch loop shares with its resync fiber. Heap-held: if the bubble tears down, the two
// fibers unwind in any order.
struct Reflector::Session {
  explicit Session(const std::string& name) : resync_errors(1, name + " resync errors") {}

  sim::Channel<Status> resync_errors;
  sim::WaitGroup resyncer{"resync"};
};

Reflector::Reflector(ListerWatcherPtr lw, ReflectorStore& store, ReflectorOptions options)
    : lw_(std::move(lw)),
      store_(&store),
      name_(options.name.empty() ? std::string("reflector") : std::move(options.name)),
      expected_kind_(std::move(options.expected_kind)),
      resync_period_(options.resync_period),
      should_resync_(std::move(options.should_resync)),
      watch_list_page_size_(options.watch_list_page_size),
      max_internal_error_retry_duration_(options.max_internal_error_retry_duration),
      min_watch_timeout_(std::max(options.min_watch_timeout, kDefaultMinWatchTimeout)),
      watch_error_handler_(options.watch_error_handler
                               ? std::move(options.watch_error_handler)
                               : WatchErrorHandler(DefaultWatchErrorHandler)),
      watch_list_requested_(options.use_watch_list),
      use_watch_list_(false) {
  BUBBLE_EXPECT(lw_ != nullptr, "Reflector '{}' without a ListerWatcher: pass one", name_);
  use_watch_list_ = watch_list_requested_ && lw_->SupportsWatchList();
  if (!options.type_description.empty()) {
    type_description_ = std::move(options.type_description);
  } else if (expected_kind_) {
    type_description_ = expected_kind_->String();
  } else {
    type_description_ = std::string(kUnspecifiedType);
  }
}

Reflector::~Reflector() = default;

void Reflector::Run(const sim::Context& ctx) {
  const std::string period = sim::FormatDuration(resync_period_);
  Emit(kV3, "Starting reflector",
       {{"type", type_description_}, {"resyncPeriod", period}, {"reflector", name_}});
  if (watch_list_requested_ && !use_watch_list_) {
    Emit(kV2,
         "The client used to build this informer/reflector doesn't support WatchList semantics. "
         "The feature will be disabled. This is expected in unit tests but not in production. "
         "For details, see the documentation of "
         "watchlist.DoesClientNotSupportWatchListSemantics().",
         {{"feature", "WatchListClient"}});
  }
  // wait.BackoffUntil(..., sliding = true): the wait follows every iteration, successful or not.
  while (!ctx.IsDone()) {
    if (Result<void> r = ListAndWatch(ctx); !r) {
      watch_error_handler_(*this, r.error());
    }
    if (!WaitBackoff(ctx)) {
      break;
    }
  }
  Emit(kV3, "Stopping reflector",
       {{"type", type_description_}, {"resyncPeriod", period}, {"reflector", name_}});
}

Result<void> Reflector::ListAndWatch(const sim::Context& ctx) {
  Emit(kV3, "Listing and watching", {{"type", type_description_}, {"reflector", name_}});
  WatchPtr w;
  bool fallback_to_list = !use_watch_list_;
  if (use_watch_list_) {
    Result<WatchPtr> streamed = WatchList(ctx);
    if (streamed && *streamed == nullptr) {
      return Ok();  // ctx ended
    }
    if (!streamed) {
      const std::string msg = Message(streamed.error());
      Emit(kV4, "Data couldn't be fetched in watchlist mode. Falling back to regular list.",
           {{"err", msg}});
      fallback_to_list = true;
    } else {
      w = std::move(*streamed);
    }
  }
  if (fallback_to_list) {
    Result<bool> listed = List(ctx);
    if (!listed) {
      return Err(std::move(listed.error()));
    }
    if (!*listed) {
      return Ok();  // ctx ended
    }
  }
  Emit(kV2, "Caches populated", {{"type", type_description_}, {"reflector", name_}});
  return WatchWithResync(ctx, std::move(w));
}

std::string Reflector::RelistResourceVersion() const {
  if (rv_unavailable_) {
    return "";  // a consistent read of the newest state
  }
  if (last_sync_rv_.empty()) {
    return "0";  // the first list may be served from the watch cache
  }
  return last_sync_rv_;
}

std::string Reflector::RewatchResourceVersion() const {
  return rv_unavailable_ ? std::string() : last_sync_rv_;
}

std::int64_t Reflector::DrawWatchTimeoutSeconds() const {
  // int64(minWatchTimeout.Seconds() * (rand.Float64() + 1.0)): [min, 2 * min) seconds.
  const double min_seconds = std::chrono::duration<double>(min_watch_timeout_).count();
  return static_cast<std::int64_t>(min_seconds * (sim::Rand().Double() + 1.0));
}

bool Reflector::WaitBackoff(const sim::Context& ctx) {
  return backoff_.Wait(ctx);
}

Result<bool> Reflector::List(const sim::Context& ctx) {
  ListOptions options;
  options.resource_version = RelistResourceVersion();
  std::int64_t page_size = kDefaultPageSize;
  if (watch_list_page_size_ != 0) {
    page_size = watch_list_page_size_;
  } else if (paginated_result_) {
    // The first list came back in pages: the server pages, keep the default size.
  } else if (!options.resource_version.empty() && options.resource_version != "0") {
    // A list from a specific version can be served from the watch cache only unpaged.
    page_size = 0;
  }

  // The call runs in its own fiber so that a cancelled context returns at once, as client-go's
  // list goroutine; it shares only this record with the reflector.
  struct Call {
    explicit Call(const std::string& name) : done(name + " list done") {}

    Result<ObjectList> result{};
    bool paginated = false;
    bool rv_unavailable = false;
    sim::Event done;
  };

  auto call = std::make_shared<Call>(name_);
  sim::Spawn(name_ + "/list", [call, lw = lw_, ctx, options, page_size] {
    const ListFunc list = [&lw](const sim::Context& c, const ListOptions& o) {
      return lw->List(c, o);
    };
    call->result = ListAllPages(list, ctx, options, page_size, call->paginated);
    if (!call->result && (IsExpiredError(call->result.error()) ||
                          IsTooLargeResourceVersionError(call->result.error()))) {
      // The version is gone or not there yet: retry at once with a consistent read.
      call->rv_unavailable = true;
      ListOptions retry;
      retry.resource_version = "";
      call->result = ListAllPages(list, ctx, retry, page_size, call->paginated);
    }
    call->done.Set();
  });
  if (sim::Select(sim::RecvCase(ctx.Done()), sim::RecvCase(call->done.GetChannel())) == 0) {
    return false;
  }
  if (call->rv_unavailable) {
    rv_unavailable_ = true;
  }
  if (!call->result) {
    return Err(Wrapped(std::move(call->result.error()),
                       fmt::format("failed to list {}: ", type_description_)));
  }
  // Only a paged answer to the "0" list says the server pages (no watch cache); later lists
  // from "" are always paged and say nothing.
  if (options.resource_version == "0" && call->paginated) {
    paginated_result_ = true;
  }
  rv_unavailable_ = false;
  ObjectList& list = *call->result;
  std::string rv = list.metadata.resource_version;
  if (Result<void> r = store_->Replace(std::move(list.items), rv); !r) {
    return Err(Wrapped(std::move(r.error()), "unable to sync list result: "));
  }
  last_sync_rv_ = std::move(rv);
  return true;
}

Result<WatchPtr> Reflector::WatchList(const sim::Context& ctx) {
  bool stopped = false;
  // Backs off after a retriable error or forgets the version after 410 / too large; false when
  // the error is not worth another try (the caller falls back to List).
  auto retry_after = [&](const Status& err) {
    if (IsWatchErrorRetriable(err)) {
      const std::string msg = Message(err);
      Emit(kV2, "watch-list failed - backing off",
           {{"reflector", name_}, {"type", type_description_}, {"err", msg}});
      stopped = !WaitBackoff(ctx);
      return true;
    }
    if (IsExpiredError(err) || IsTooLargeResourceVersionError(err)) {
      rv_unavailable_ = true;
      return true;
    }
    return false;
  };

  InitialEventsStore temporary;
  std::string rv;
  WatchPtr w;
  while (true) {
    if (ctx.IsDone() || stopped) {
      return WatchPtr{};
    }
    rv.clear();
    temporary.Clear();
    ListOptions options;
    options.resource_version = RewatchResourceVersion();
    options.allow_watch_bookmarks = true;
    options.send_initial_events = true;
    options.resource_version_match = "NotOlderThan";
    options.timeout_seconds = DrawWatchTimeoutSeconds();
    const sim::TimePoint start = sim::Now();
    Result<WatchPtr> watched = lw_->Watch(ctx, options);
    if (watched && *watched == nullptr) {
      watched = Err(NullWatchError());
    }
    if (!watched) {
      if (ctx.IsDone()) {
        return WatchPtr{};
      }
      if (retry_after(watched.error())) {
        continue;
      }
      return Err(std::move(watched.error()));
    }
    WatchEnd end = HandleWatch(ctx, start, **watched, temporary, rv,
                               /*exit_on_initial_events_end=*/true, nullptr);
    if (end.kind == WatchEnd::Kind::kClosed && end.initial_events_end) {
      w = std::move(*watched);
      break;
    }
    (*watched)->Stop();  // retry with a clean state
    if (end.kind == WatchEnd::Kind::kStopped) {
      return WatchPtr{};
    }
    if (end.kind == WatchEnd::Kind::kError) {
      if (retry_after(end.error)) {
        continue;
      }
      return Err(std::move(end.error));
    }
    // Closed before the end bookmark: open another stream.
  }
  rv_unavailable_ = false;
  if (Result<void> r = store_->Replace(temporary.List(), rv); !r) {
    w->Stop();
    return Err(Wrapped(std::move(r.error()), "unable to sync watch-list result: "));
  }
  last_sync_rv_ = std::move(rv);
  return w;
}

Result<void> Reflector::WatchWithResync(const sim::Context& ctx, WatchPtr w) {
  auto session = std::make_shared<Session>(name_);
  auto [resync_ctx, cancel_resync] = sim::WithCancel(ctx);
  if (resync_period_ > sim::Duration::zero()) {
    session->resyncer.Go(name_ + "/resync",
                         [this, session, c = resync_ctx] { ResyncLoop(c, session); });
  }
  Result<void> result = WatchLoop(ctx, std::move(w), *session);
  cancel_resync();
  session->resyncer.Wait();
  return result;
}

void Reflector::ResyncLoop(const sim::Context& ctx, const std::shared_ptr<Session>& session) {
  sim::Timer timer(resync_period_, name_ + " resync");
  while (true) {
    if (sim::Select(sim::RecvCase(ctx.Done()), sim::RecvCase(timer.C())) == 0) {
      return;
    }
    if (!should_resync_ || should_resync_()) {
      Emit(kV4, "Forcing resync", {{"reflector", name_}});
      if (Result<void> r = store_->Resync(); !r) {
        session->resync_errors.TrySend(std::move(r.error()));
        return;
      }
    }
    timer.Reset(resync_period_);
  }
}

Result<void> Reflector::WatchLoop(const sim::Context& ctx, WatchPtr w, Session& session) {
  InternalErrorRetry retry(max_internal_error_retry_duration_, kInternalErrorResetPeriod);
  StopOnExit stop_on_exit(w);
  while (true) {
    if (ctx.IsDone()) {
      return Ok();
    }
    // The clock starts before the request: some proxies flush headers only with the first event.
    const sim::TimePoint start = sim::Now();
    if (w == nullptr) {
      ListOptions options;
      options.resource_version = last_sync_rv_;
      options.timeout_seconds = DrawWatchTimeoutSeconds();
      options.allow_watch_bookmarks = true;
      Result<WatchPtr> watched = lw_->Watch(ctx, options);
      if (watched && *watched == nullptr) {
        watched = Err(NullWatchError());
      }
      if (!watched) {
        if (ctx.IsDone()) {
          return Ok();
        }
        if (IsWatchErrorRetriable(watched.error())) {
          const std::string msg = Message(watched.error());
          Emit(kV4, "Watch failed - backing off",
               {{"reflector", name_}, {"type", type_description_}, {"err", msg}});
          if (!WaitBackoff(ctx)) {
            return Ok();
          }
          continue;
        }
        return Err(std::move(watched.error()));
      }
      w = std::move(*watched);
    }

    WatchEnd end = HandleWatch(ctx, start, *w, *store_, last_sync_rv_,
                               /*exit_on_initial_events_end=*/false, &session.resync_errors);
    w->Stop();
    w = nullptr;
    retry.After(end.kind == WatchEnd::Kind::kError ? &end.error : nullptr);
    if (end.kind == WatchEnd::Kind::kClosed) {
      continue;  // the server ended the watch (timeout): watch again from where it stopped
    }
    if (end.kind == WatchEnd::Kind::kStopped) {
      return Ok();
    }
    const Status& err = end.error;
    const std::string msg = Message(err);
    if (IsExpiredError(err)) {
      // Not marked unavailable: a list from lastSync returns data at least that fresh.
      Emit(kV4, "Watch closed", {{"reflector", name_}, {"type", type_description_}, {"err", msg}});
    } else if (IsTooManyRequests(err)) {
      Emit(kV2, "Watch returned 429 - backing off",
           {{"reflector", name_}, {"type", type_description_}});
      if (!WaitBackoff(ctx)) {
        return Ok();
      }
      continue;
    } else if (IsInternalError(err) && retry.ShouldRetry()) {
      Emit(kV2, "Retrying watch after internal error",
           {{"reflector", name_}, {"type", type_description_}, {"err", msg}});
      continue;
    } else {
      Emit(level::info, "Warning: watch ended with error",
           {{"reflector", name_}, {"type", type_description_}, {"err", msg}});
    }
    return Ok();  // Run backs off, then relists
  }
}

Reflector::WatchEnd Reflector::HandleWatch(const sim::Context& ctx, sim::TimePoint start,
                                           Watcher& w, ReflectorStore& store, std::string& rv,
                                           bool exit_on_initial_events_end,
                                           sim::Channel<Status>* resync_errors) {
  WatchEnd end;
  std::size_t events = 0;
  // Cases that never fire stand in for an absent resync fiber and an absent warning ticker.
  sim::Channel<Status> no_errors(0, "no resync errors");
  sim::Channel<sim::TimePoint> no_ticks(0, "no ticks");
  std::optional<sim::Ticker> warn_ticker;
  if (exit_on_initial_events_end) {
    warn_ticker.emplace(kInitialEventsWarningInterval, name_ + " initial events");
  }
  sim::Channel<Status>& errors = resync_errors != nullptr ? *resync_errors : no_errors;
  sim::Channel<sim::TimePoint>& ticks = warn_ticker ? warn_ticker->C() : no_ticks;
  std::optional<sim::TimePoint> last_event_at;

  while (true) {
    std::optional<WatchEvent> ev;
    std::optional<Status> resync_error;
    const int which = sim::Select(sim::RecvCase(ctx.Done()), sim::RecvCase(errors, &resync_error),
                                  sim::RecvCase(w.ResultChan(), &ev), sim::RecvCase(ticks));
    if (which == 0) {
      end.kind = WatchEnd::Kind::kStopped;
      return end;
    }
    if (which == 1) {
      if (resync_error) {
        end.kind = WatchEnd::Kind::kError;
        end.error = std::move(*resync_error);
        return end;
      }
      continue;
    }
    if (which == 3) {
      const sim::TimePoint now = sim::Now();
      if (!last_event_at) {
        Emit(level::warn,
             fmt::format("{}: awaiting required bookmark event for initial events stream, no "
                         "events received for {}",
                         name_, sim::FormatDuration(now - start)));
      } else if (now - *last_event_at >= kInitialEventsWarningInterval) {
        Emit(level::warn,
             fmt::format("{}: hasn't received required bookmark event marking the end of initial "
                         "events stream, received last event {} ago",
                         name_, sim::FormatDuration(now - *last_event_at)));
      }
      continue;
    }
    if (!ev) {
      break;  // the watch closed
    }
    if (ev->type == WatchEventType::kError) {
      end.kind = WatchEnd::Kind::kError;
      end.error = ev->error != nullptr
                      ? *ev->error
                      : ClientError("unexpected watch ERROR event without a status");
      return end;
    }
    if (ev->object == nullptr) {
      HandleError(fmt::format("{}: unable to understand watch event {}", name_, *ev));
      continue;
    }
    if (expected_kind_ && ev->object->Kind() != *expected_kind_) {
      HandleError(fmt::format("{}: expected gvk {}, but watch event object had gvk {}", name_,
                              *expected_kind_, ev->object->Kind()));
      continue;
    }
    std::string event_rv = ev->object->metadata.resource_version;
    switch (ev->type) {
      case WatchEventType::kAdded:
        if (Result<void> r = store.Add(ev->object); !r) {
          HandleError(fmt::format("{}: unable to add watch event object ({}) to store: {}", name_,
                                  ev->object, r.error()));
        }
        break;
      case WatchEventType::kModified:
        if (Result<void> r = store.Update(ev->object); !r) {
          HandleError(fmt::format("{}: unable to update watch event object ({}) to store: {}",
                                  name_, ev->object, r.error()));
        }
        break;
      case WatchEventType::kDeleted:
        if (Result<void> r = store.Delete(DeltaObject(ev->object)); !r) {
          HandleError(fmt::format("{}: unable to delete watch event object ({}) from store: {}",
                                  name_, ev->object, r.error()));
        }
        break;
      case WatchEventType::kBookmark: {
        // Only the resourceVersion moves; the end of a streamed initial state is marked here.
        const auto& annotations = ev->object->metadata.annotations;
        const auto it = annotations.find(std::string(kInitialEventsEndAnnotation));
        if (it != annotations.end() && it->second == "true") {
          end.initial_events_end = true;
        }
        break;
      }
      default:
        HandleError(fmt::format("{}: unable to understand watch event {}", name_, *ev));
        break;
    }
    rv = std::move(event_rv);  // even "" (docs/semantics.md §1.10.1)
    ++events;
    if (exit_on_initial_events_end && end.initial_events_end) {
      const std::string count = std::to_string(events);
      const std::string took = sim::FormatDuration(sim::Now() - start);
      Emit(kV4,
           "Exiting watch because received the bookmark that marks the end of initial events "
           "stream",
           {{"reflector", name_}, {"totalItems", count}, {"duration", took}});
      end.kind = WatchEnd::Kind::kClosed;
      return end;
    }
    last_event_at = sim::Now();
  }

  if (sim::Now() - start < kVeryShortWatch && events == 0) {
    end.kind = WatchEnd::Kind::kError;
    end.error =
        ClientError(fmt::format("{}{}: Unexpected watch close - watch lasted less than a "
                                "second and no items received",
                                kVeryShortWatchPrefix, name_));
    return end;
  }
  const std::string count = std::to_string(events);
  Emit(kV4, "Watch close",
       {{"reflector", name_}, {"type", type_description_}, {"totalItems", count}});
  end.kind = WatchEnd::Kind::kClosed;
  return end;
}

}  // namespace bubble::runtime::cache
