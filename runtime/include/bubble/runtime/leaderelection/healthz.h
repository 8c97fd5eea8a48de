// runtime/include/bubble/runtime/leaderelection/healthz.h
//
// HealthzAdaptor: a health check that turns unhealthy when the elector believes it leads but has
// not renewed for longer than lease_duration + timeout (client-go's
// leaderelection.HealthzAdaptor). A leader stuck somewhere (a deadlocked renew fiber) then shows
// up in health checks instead of silently holding on.
//
//   auto watch_dog = std::make_shared<HealthzAdaptor>(20s);
//   config.watch_dog = watch_dog;
//   RunOrDie(ctx, config);                 // attaches the elector
//   watch_dog->Check();                    // from any fiber of the bubble
//
// It holds the elector weakly (client-go holds a pointer the garbage collector keeps alive): once
// the elector is gone, it reports healthy, as before one was attached.
// Threading: fibers of one bubble.
#pragma once

#include <memory>
#include <string_view>

#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::runtime::leaderelection {

class LeaderElector;

class HealthzAdaptor {
 public:
  explicit HealthzAdaptor(sim::Duration timeout) : timeout_(timeout) {}

  // "leaderElection".
  static std::string_view Name() noexcept { return "leaderElection"; }

  // Attaches the elector to check (RunOrDie does this).
  void SetLeaderElection(const std::shared_ptr<LeaderElector>& elector) { elector_ = elector; }

  // OK without an elector; otherwise LeaderElector::Check(timeout).
  Result<void> Check() const;

 private:
  sim::Duration timeout_;
  std::weak_ptr<LeaderElector> elector_{};
};

}  // namespace bubble::runtime::leaderelection
