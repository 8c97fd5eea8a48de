// scenarios/controllers/work_log.cc
#include "work_log.h"

#include <string>

#include <bubble/runtime/config_map.h>
#include <bubble/sim/timer.h>

namespace bubble::scenarios {

namespace rt = bubble::runtime;

namespace {

void Write(rt::Clientset& client, const WorkLogOptions& options, int seq) {
  if (options.before_write) {
    options.before_write(seq);
  }
  auto log = client.ConfigMaps(options.namespace_name);
  rt::ConfigMap cm({.name = options.name, .namespace_ = options.namespace_name},
                   {{"writer", options.identity}, {"seq", std::to_string(seq)}});
  // An update without a resourceVersion: the last writer wins, as a log line would.
  auto updated = log.Update(cm);
  rt::Result<void> wrote = rt::Ok();
  if (!updated && rt::IsNotFound(updated.error())) {
    auto created = log.Create(cm);
    if (!created) {
      wrote = rt::Err(created.error());
    }
  } else if (!updated) {
    wrote = rt::Err(updated.error());
  }
  if (options.after_write) {
    options.after_write(seq, wrote);
  }
}

}  // namespace

void RunWorkLog(rt::Clientset& client, const sim::Context& leading, const sim::Context& process,
                const WorkLogOptions& options) {
  for (int seq = 1;;) {
    if (options.writes_per_check <= 1) {
      if (!sim::SleepFor(options.period, leading) || leading.IsDone()) {
        return;
      }
      Write(client, options, seq++);
      continue;
    }
    if (leading.IsDone() || process.IsDone()) {
      return;
    }
    for (int k = 0; k < options.writes_per_check; ++k, ++seq) {
      if (!sim::SleepFor(options.period, process)) {
        return;
      }
      Write(client, options, seq);
    }
  }
}

}  // namespace bubble::scenarios
