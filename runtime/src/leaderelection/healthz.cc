// runtime/src/leaderelection/healthz.cc
#include "bubble/runtime/leaderelection/healthz.h"

#include <bubble/runtime/leaderelection/leader_elector.h>

namespace bubble::runtime::leaderelection {

Result<void> HealthzAdaptor::Check() const {
  const std::shared_ptr<LeaderElector> elector = elector_.lock();
  if (elector == nullptr) {
    return Ok();
  }
  return elector->Check(timeout_);
}

}  // namespace bubble::runtime::leaderelection
