// client/src/program_flags.h
//
// The command line of a ControllerProgram (controller_program.h), parsed with CLI11 and checked
// whole before the program does anything: what is wrong is one line naming the flag and the fix.
#pragma once

#include <map>
#include <string>
#include <variant>

#include <bubble/client/controller_program.h>
#include <bubble/sim/clock.h>
#include <bubble/sim/log.h>

namespace bubble::client::detail {

// kube-controller-manager's defaults (client-go's leaderelection.LeaderElectionConfig).
struct LeaderElectionFlags {
  bool enabled = false;
  std::string lease_name{};       // "": the program's name
  std::string lease_namespace{};  // "": the configuration's namespace
  std::string identity{};         // "": hostname_pid
  sim::Duration lease_duration = std::chrono::seconds(15);
  sim::Duration renew_deadline = std::chrono::seconds(10);
  sim::Duration retry_period = std::chrono::seconds(2);
};

struct ProgramFlags {
  std::string kubeconfig{};
  std::string context{};
  int workers = 1;
  sim::LogLevel log_level = sim::LogLevel::kInfo;
  LeaderElectionFlags leader_election{};
  std::string health_probe_address{};  // "": no probes served
  std::map<std::string, std::string> own{};  // ControllerProgram::flags, by name
};

// Not flags to run with: the usage text (--help, exit 0) or an error (exit 2).
struct ProgramExit {
  int code = 0;
  std::string text;
};

std::variant<ProgramFlags, ProgramExit> ParseProgramFlags(const ControllerProgram& program,
                                                          int argc, char** argv);

}  // namespace bubble::client::detail
