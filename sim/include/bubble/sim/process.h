// sim/include/bubble/sim/process.h
//
// File: process groups. A Process is a named group of fibers that dies together, the way an OS
// process dies: Kill() unwinds every fiber of the group at the scheduling point where it stands
// (it is withdrawn from whatever it waits on, FiberUnwind is thrown into it, its destructors
// run) while the run goes on and every other fiber is untouched. Killing is not a failure.
//
//   sim::Process p = sim::SpawnProcess("controller", [&] { controller.Run(ctx); });
//   ...
//   p.Kill();   // the controller's workers, informers and queue fibers are unwound now
//   p.Wait();   // returns at once: every member has ended
//
// Membership: the first fiber belongs to the process, and so does every fiber a member spawns
// and every fiber a timer armed by a member spawns (AfterFunc's callbacks). A process spawned
// from a member is a process of its own (killing the parent does not kill it).
//
// Rules (docs/concepts.md, "Crash and restart"):
//  - Kill() from a fiber outside the process unwinds the members (youngest first) before the
//    caller goes on; no other fiber runs in between. Kill() from a member unwinds the others
//    first, then the caller itself (Kill() throws FiberUnwind). Killing a dead process does
//    nothing.
//  - A killed fiber may not block: its destructors run with the process already gone. A
//    destructor that blocks fails the run with a report naming the fiber (it is abandoned, its
//    remaining frames never run), and so does a fiber that keeps catching FiberUnwind and
//    blocking again. A fiber that catches FiberUnwind and returns simply ends.
//  - What the process shared with others is not cleaned up by magic: a Mutex a member locked
//    without a guard stays locked (the fibers that wait for it then deadlock, and the report
//    names the dead holder); a primitive that lived in a member's frame and that a fiber outside
//    the process still waits on fails the run ("destroyed while fiber ... waits on it").
//    Primitives only members used die quietly.
//  - Fibers a killed member would spawn (its destructors, a timer it armed) never run.
//  - The kill and each unwound fiber are trace events (category "process").
//
// Threading: fibers of one running bubble. A Process handle is valid while its bubble runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <bubble/sim/task.h>

namespace bubble::sim {

namespace detail {
struct ProcessRecord;
}  // namespace detail

using ProcessId = std::uint64_t;

class Process {
 public:
  // No process: Id() is 0, Kill and Wait do nothing.
  Process() = default;

  explicit Process(detail::ProcessRecord* rec) noexcept : rec_(rec) {}

  explicit operator bool() const noexcept { return rec_ != nullptr; }

  // 1, 2, ... in the order processes were spawned in the run.
  ProcessId Id() const noexcept;
  std::string_view Name() const noexcept;
  // Some member fiber has not ended yet.
  bool Alive() const noexcept;
  // Kill() was called on it.
  bool Killed() const noexcept;

  // Unwinds every member fiber now (see the file comment). From a member: throws FiberUnwind
  // after the others are gone.
  void Kill();
  // Blocks until every member fiber has ended (killed or not).
  void Wait();

 private:
  detail::ProcessRecord* rec_ = nullptr;
};

// Starts `fn` as fiber `name` in a new process named `name`. From a fiber of a running bubble;
// spawning is a scheduling point, as Spawn.
Process SpawnProcess(std::string name, Task fn);

// The process of the running fiber (a Process without one when it belongs to none).
Process CurrentProcess() noexcept;

}  // namespace bubble::sim
