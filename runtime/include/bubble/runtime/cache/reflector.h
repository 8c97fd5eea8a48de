// runtime/include/bubble/runtime/cache/reflector.h
//
// File: the Reflector (client-go's tools/cache Reflector, docs/semantics.md §3): keeps a
// ReflectorStore in step with the server by listing a resource, then watching it from the listed
// resourceVersion, re-watching and relisting as the server and the network demand.
//
//   auto lw = cache::ListWatchFromClient(clientset, runtime::ConfigMap::StaticResource(), "");
//   cache::Reflector reflector(lw, fifo, {.name = "informer/configmaps",
//                                         .expected_kind = runtime::ConfigMap::StaticKind()});
//   sim::Spawn("informer/configmaps", [&] { reflector.Run(ctx); });   // until ctx is cancelled
//
// What it does, in order (each step is client-go's; details in docs/semantics.md §3):
//  - Run(ctx): ListAndWatch, then (error or not) wait one backoff step, until ctx is done. An
//    error goes to the watch error handler first. Backoff: 800 ms doubling to 30 s, each wait
//    jittered by up to 100 % (so [0.8 s, 1.6 s), [1.6 s, 3.2 s), ... [30 s, 60 s)), back to
//    800 ms after 2 min without a backoff.
//  - ListAndWatch: if WatchList is in use, stream the initial state (§3.6) and keep that watch;
//    otherwise (or if streaming fails) List: resourceVersion "0" the first time, the last synced
//    version afterwards, "" once it proved unavailable (410 / too large: retried at once with
//    ""); pages of 500 unless `watch_list_page_size` says otherwise or paging is pointless.
//    Then store.Replace(items, listed version).
//  - Watch loop: watch from the last synced version with bookmarks and a server timeout drawn
//    in [min_watch_timeout, 2 * min_watch_timeout); ADDED/MODIFIED/DELETED go to the store,
//    every event's object's resourceVersion becomes the last synced version (even ""), an ERROR
//    event ends the watch with its Status. A normal end re-watches without relisting; 410 and
//    other errors return to Run (backoff, relist); 429 and connection-refused back off and
//    re-watch; internal errors re-watch at once while MaxInternalErrorRetryDuration allows.
//  - While watching, a "<name>/resync" fiber calls store.Resync() every resync_period (when
//    should_resync allows).
//
// Determinism: every random draw (watch timeouts, backoff jitter) comes from the bubble's
// generator (bubble::sim::Rand()), in a fixed order; every wait is on the virtual clock; the
// streamed initial state is handed to Replace in key order.
//
// Logging: through the bubble's "reflector" logger, in klog's structured text form
// (`"Warning: watch ended with error" reflector="..." type="..." err="..."`). klog V(0) is
// info, V(1)-V(2) debug, V(3)+ trace; only warnings and errors show by default.
//
// Threading and lifetime: use a Reflector from fibers of one bubble. Run and ListAndWatch block
// the calling fiber. The store and the Reflector must outlive Run. When ctx is cancelled, Run
// stops its watch, waits for its resync fiber and returns; a List still in flight is abandoned
// to its "<name>/list" fiber, which exits when the ListerWatcher returns (at once for a client
// that honours the context) and touches neither the Reflector nor the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <bubble/runtime/cache/list_watch.h>
#include <bubble/runtime/cache/reflector_store.h>
#include <bubble/runtime/group_version.h>
#include <bubble/runtime/status.h>
#include <bubble/runtime/wait.h>
#include <bubble/runtime/watch.h>
#include <bubble/sim/channel.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::runtime::cache {

class Reflector;

// Called with every error ListAndWatch returns, before Run backs off (client-go's
// WatchErrorHandler). Keep it quick.
using WatchErrorHandler = std::function<void(Reflector&, const Status&)>;

// Logs `err` as client-go's DefaultWatchErrorHandler does: 410 at V(4) ("Watch closed"),
// everything else as an error ("Failed to watch").
void DefaultWatchErrorHandler(Reflector& reflector, const Status& err);

struct ReflectorOptions {
  // Names the reflector in logs and its helper fibers ("<name>/resync"). Default "reflector".
  std::string name{};
  // The kind, for logs and the "failed to list <type>" error. Default: expected_kind as
  // "v1/ConfigMap", or "<unspecified>".
  std::string type_description{};
  // When set, watch events whose object is of another kind are logged and skipped (client-go's
  // expectedType / expectedGVK filter).
  std::optional<GroupVersionKind> expected_kind{};
  // > 0: call store.Resync() this often while watching.
  sim::Duration resync_period{};
  // Asked before each resync; null means always.
  std::function<bool()> should_resync{};
  // Page size of Lists; 0: 500, or unpaged when listing from a specific resourceVersion.
  std::int64_t watch_list_page_size = 0;
  // > 0: a watch ending with an internal error is re-opened at once (no relist) while the first
  // such error of the current streak is at most this old (a streak resets after 1 min without
  // one). 0: internal errors relist like other errors.
  sim::Duration max_internal_error_retry_duration{};
  // The shortest server-side watch timeout requested; values below 5 min count as 5 min.
  sim::Duration min_watch_timeout{};
  // Default DefaultWatchErrorHandler.
  WatchErrorHandler watch_error_handler{};
  // client-go's WatchListClient feature gate (on by default since 1.35): stream the initial
  // state when the ListerWatcher supports it. Off: always List.
  bool use_watch_list = true;
};

class Reflector {
 public:
  static constexpr sim::Duration kDefaultMinWatchTimeout = std::chrono::minutes(5);
  static constexpr std::int64_t kDefaultPageSize = 500;
  static constexpr sim::Duration kInitialBackoff = std::chrono::milliseconds(800);
  static constexpr sim::Duration kMaxBackoff = std::chrono::seconds(30);
  static constexpr sim::Duration kBackoffReset = std::chrono::minutes(2);
  static constexpr double kBackoffFactor = 2.0;
  static constexpr double kBackoffJitter = 1.0;
  // A watch that closes sooner than this without a single event is an error.
  static constexpr sim::Duration kVeryShortWatch = std::chrono::seconds(1);
  // An internal-error streak ends after this long without an internal error.
  static constexpr sim::Duration kInternalErrorResetPeriod = std::chrono::minutes(1);
  // While streaming the initial state, how often a missing end bookmark is warned about.
  static constexpr sim::Duration kInitialEventsWarningInterval = std::chrono::seconds(10);

  // `lw` and `store` must outlive every Run / ListAndWatch. Needs no running bubble.
  Reflector(ListerWatcherPtr lw, ReflectorStore& store, ReflectorOptions options = {});
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;
  ~Reflector();

  // Lists and watches until `ctx` is done, backing off after every ListAndWatch. From a fiber.
  void Run(const sim::Context& ctx);

  // One list (or streamed initial state) followed by the watch loop. Returns Ok when ctx ends
  // or the watch loop wants a relist; an error when the list fails (`failed to list <type>:
  // ...`) or a watch cannot be opened (non-retriable). From a fiber.
  Result<void> ListAndWatch(const sim::Context& ctx);

  // The resourceVersion of the last list, bookmark or watch event ("" before the first list).
  std::string LastSyncResourceVersion() const { return last_sync_rv_; }

  // Whether the last list or watch found LastSyncResourceVersion() expired or too large (the
  // next list then uses "").
  bool IsLastSyncResourceVersionUnavailable() const noexcept { return rv_unavailable_; }

  const std::string& Name() const noexcept { return name_; }

  const std::string& TypeDescription() const noexcept { return type_description_; }

  // use_watch_list and the ListerWatcher supports WatchList.
  bool UsesWatchList() const noexcept { return use_watch_list_; }

  sim::Duration ResyncPeriod() const noexcept { return resync_period_; }

  sim::Duration MinWatchTimeout() const noexcept { return min_watch_timeout_; }

 private:
  struct WatchEnd;
  struct Session;

  Result<bool> List(const sim::Context& ctx);
  Result<WatchPtr> WatchList(const sim::Context& ctx);
  Result<void> WatchWithResync(const sim::Context& ctx, WatchPtr w);
  Result<void> WatchLoop(const sim::Context& ctx, WatchPtr w, Session& session);
  void ResyncLoop(const sim::Context& ctx, const std::shared_ptr<Session>& session);
  WatchEnd HandleWatch(const sim::Context& ctx, sim::TimePoint start, Watcher& w,
                       ReflectorStore& store, std::string& rv, bool exit_on_initial_events_end,
                       sim::Channel<Status>* resync_errors);

  std::string RelistResourceVersion() const;
  std::string RewatchResourceVersion() const;
  std::int64_t DrawWatchTimeoutSeconds() const;
  // Waits the next backoff interval; false if ctx ended first.
  bool WaitBackoff(const sim::Context& ctx);

  ListerWatcherPtr lw_;
  ReflectorStore* store_;
  std::string name_;
  std::string type_description_;
  std::optional<GroupVersionKind> expected_kind_;
  sim::Duration resync_period_;
  std::function<bool()> should_resync_;
  std::int64_t watch_list_page_size_;
  sim::Duration max_internal_error_retry_duration_;
  sim::Duration min_watch_timeout_;
  WatchErrorHandler watch_error_handler_;
  bool watch_list_requested_;
  bool use_watch_list_;

  std::string last_sync_rv_{};
  bool rv_unavailable_ = false;
  bool paginated_result_ = false;

  // Shared by Run and the watch-level backoffs.
  ExponentialBackoffManager backoff_{{.initial = kInitialBackoff,
                                      .max = kMaxBackoff,
                                      .reset = kBackoffReset,
                                      .factor = kBackoffFactor,
                                      .jitter = kBackoffJitter}};
};

// ---- Error classes the Reflector acts on -----------------------------------------------------

// 410: reason Expired or Gone.
bool IsExpiredError(const Status& err) noexcept;
// The requested resourceVersion is newer than the server has (cause ResourceVersionTooLarge, or
// the older Timeout-with-"Too large resource version" form).
bool IsTooLargeResourceVersionError(const Status& err) noexcept;
// A client-side error whose message says "connection refused" (Go's ECONNREFUSED).
bool IsConnectionRefused(const Status& err) noexcept;
// Connection refused or 429: back off and retry the watch, no relist.
bool IsWatchErrorRetriable(const Status& err) noexcept;
// The error of a watch that closed within kVeryShortWatch without an event.
bool IsVeryShortWatchError(const Status& err) noexcept;

// A client-side error as Go's dialer reports a refused connection:
// `dial tcp <address>: connect: connection refused` (code 0).
Status NewConnectionRefused(std::string_view address);

}  // namespace bubble::runtime::cache
