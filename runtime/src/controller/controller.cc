// runtime/src/controller/controller.cc
#include "bubble/runtime/controller/controller.h"

#include <utility>

#include <fmt/format.h>
#include <spdlog/logger.h>

#include <bubble/runtime/cache/key_func.h>
#include <bubble/runtime/cache/wait_for_cache_sync.h>
#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/wait_group.h>

namespace bubble::runtime::controller {

namespace {

spdlog::logger& Logger() {
  return sim::Bubble::Current()->Logger("controller");
}

}  // namespace

Controller::Controller(ControllerOptions options, ReconcileFunc reconcile)
    : name_(std::move(options.name)),
      workers_(options.workers),
      max_retries_(options.max_retries),
      reconcile_(std::move(reconcile)) {
  BUBBLE_EXPECT(workers_ >= 1, "controller {}: workers is {}; use at least 1", name_, workers_);
  BUBBLE_EXPECT(static_cast<bool>(reconcile_),
                "controller {}: the reconcile function is empty; pass one", name_);
  BUBBLE_EXPECT(sim::Bubble::Current() != nullptr,
                "controller {}: construct it on a fiber of a running bubble (its workqueue "
                "starts a fiber)",
                name_);
  auto limiter = options.rate_limiter ? std::move(options.rate_limiter)
                                      : workqueue::DefaultControllerRateLimiter<std::string>();
  queue_ = std::make_unique<workqueue::RateLimitingQueue<std::string>>(std::move(limiter), name_);
}

Controller::~Controller() = default;

Result<void> Controller::Watch(cache::SharedIndexInformer& informer, KeyMapper map) {
  auto enqueue = [this, map](const ObjectPtr& obj) {
    if (obj == nullptr) {
      return;
    }
    if (map) {
      for (const std::string& key : map(obj)) {
        Enqueue(key);
      }
      return;
    }
    if (auto key = cache::MetaNamespaceKeyFunc(obj)) {
      Enqueue(*key);
    }
  };
  auto reg = informer.AddEventHandler(
      cache::ResourceEventHandlerFuncs{
          .add = [enqueue](const ObjectPtr& obj, bool) { enqueue(obj); },
          .update = [enqueue](const ObjectPtr&, const ObjectPtr& obj) { enqueue(obj); },
          .del =
              [this, map, enqueue](const cache::DeltaObject& obj) {
                // A tombstone carries the key even when its last known state is missing.
                const auto* tombstone = std::get_if<cache::DeletedFinalStateUnknown>(&obj);
                if (tombstone != nullptr && (tombstone->obj == nullptr || !map)) {
                  Enqueue(tombstone->key);
                  return;
                }
                enqueue(cache::ObjectOf(obj));
              },
      },
      {.name = name_});
  if (!reg) {
    return Err(reg.error());
  }
  registrations_.push_back(*reg);
  return Ok();
}

Result<cache::RegistrationPtr> Controller::AddEventHandler(cache::SharedIndexInformer& informer,
                                                           cache::ResourceEventHandlerFuncs handler,
                                                           cache::AddEventHandlerOptions options) {
  if (running_) {
    return Err(NewBadRequest(fmt::format(
        "controller {} is already running: add event handlers before Run (Run waits for them "
        "to sync before starting workers)",
        name_)));
  }
  ++handlers_added_;
  if (options.name.empty()) {
    options.name = fmt::format("{}/handler-{}", name_, handlers_added_);
  }
  auto reg = informer.AddEventHandler(std::move(handler), std::move(options));
  if (!reg) {
    return Err(reg.error());
  }
  registrations_.push_back(*reg);
  return *reg;
}

void Controller::Enqueue(const std::string& key) {
  queue_->Add(key);
}

bool Controller::Run(const sim::Context& ctx) {
  running_ = true;
  std::vector<cache::DoneChecker> checkers;
  checkers.reserve(registrations_.size());
  for (const auto& reg : registrations_) {
    checkers.push_back(reg->HasSyncedChecker());
  }
  Logger().info("\"Starting controller\" controller=\"{}\"", name_);
  if (!cache::WaitFor(ctx, name_, checkers)) {
    Logger().error("\"Unable to sync caches\" controller=\"{}\"", name_);
    queue_->ShutDown();
    return false;
  }
  sim::WaitGroup workers(name_ + " workers");
  for (int i = 0; i < workers_; ++i) {
    workers.Go(fmt::format("{}/worker-{}", name_, i), [this, &ctx, i] { Worker(ctx, i); });
  }
  ctx.Done().Recv();
  Logger().info("\"Shutting down controller\" controller=\"{}\"", name_);
  queue_->ShutDown();
  workers.Wait();
  return true;
}

void Controller::Worker(const sim::Context& ctx, int id) {
  while (std::optional<std::string> key = queue_->Get()) {
    ProcessOne(ctx, *key, id);
  }
}

void Controller::ProcessOne(const sim::Context& ctx, const std::string& key, int worker) {
  auto [it, inserted] = in_flight_.try_emplace(key, worker);
  if (!inserted) {
    sim::Fail(fmt::format(
        "invariant one-worker-per-key violated: controller {} handed key {} to worker-{} while "
        "worker-{} was reconciling it",
        name_, key, worker, it->second));
  }
  Result<ReconcileResult> result;
  try {
    result = reconcile_(ctx, key);
  } catch (...) {
    sim::RethrowIfUnwinding();  // the controller may be gone already: touch nothing
    in_flight_.erase(key);
    queue_->Done(key);
    throw;
  }
  in_flight_.erase(key);
  ++stats_.reconciles;
  if (!result) {
    ++stats_.errors;
    if (max_retries_ > 0 && queue_->NumRequeues(key) >= max_retries_) {
      ++stats_.dropped;
      Logger().warn("\"Dropping key out of the queue\" controller=\"{}\" key=\"{}\" err=\"{}\"",
                    name_, key, result.error().message);
      queue_->Forget(key);
    } else {
      Logger().info("\"Error syncing; requeuing\" controller=\"{}\" key=\"{}\" err=\"{}\"", name_,
                    key, result.error().message);
      queue_->AddRateLimited(key);
    }
  } else {
    queue_->Forget(key);
    if (result->requeue_after > sim::Duration::zero()) {
      ++stats_.requeues_after;
      queue_->AddAfter(key, result->requeue_after);
    }
  }
  queue_->Done(key);
}

}  // namespace bubble::runtime::controller
