// scenarios/controllers/work_log.h
//
// The leader's work in client-go's examples/leader-election, made observable: while leading, it
// writes its identity and a sequence number into a ConfigMap (the "work log") once a period, and
// it stops when its leading context ends. Scenario S12 (leader-election) checks on these writes
// that only the leader works; the bubble-leader-example program (scenarios/programs/) runs the
// same loop against a real API server, where `kubectl get configmap work-log -o yaml` shows who
// is leading.
#pragma once

#include <functional>
#include <string>

#include <bubble/runtime/client.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/context.h>

namespace bubble::scenarios {

struct WorkLogOptions {
  std::string namespace_name = "default";
  std::string name = "work-log";
  std::string identity;
  sim::Duration period = std::chrono::seconds(1);
  // Planted bug write-after-lost (S12): the loop checks its leading context only every this many
  // writes, sleeping on the process's context in between, so it keeps writing after the Lease is
  // lost. 1: checks before every write (correct).
  int writes_per_check = 1;
  // Called before each write is issued, and with each write's outcome (the scenario's invariants;
  // a program logs). Either may be empty.
  std::function<void(int seq)> before_write{};
  std::function<void(int seq, const runtime::Result<void>& wrote)> after_write{};
};

// Writes until `leading` ends (or, with writes_per_check > 1, until `process` ends between two
// checks). Updates the ConfigMap, creating it if it does not exist.
void RunWorkLog(runtime::Clientset& client, const sim::Context& leading,
                const sim::Context& process, const WorkLogOptions& options);

}  // namespace bubble::scenarios
