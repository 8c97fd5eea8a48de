// scenarios/src/restartable.cc
#include "bubble/scenarios/restartable.h"

#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bubble/sim/bubble.h>
#include <bubble/sim/error.h>
#include <bubble/sim/timer.h>

namespace bubble::scenarios {

namespace {

// Generator streams of their own (sim::Rng): the scheduler uses 1 and user code 2.
constexpr std::uint64_t kCrashPointStream = 0xc4a5'0001;
constexpr std::uint64_t kCrashChoicesStream = 0xc4a5'0002;

bool IsWrite(std::string_view verb) {
  return verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
         verb == "delete-collection" || verb == "deletecollection";
}

std::string At() {
  return "+" + sim::FormatDuration(sim::Now() - sim::Clock::Epoch());
}

}  // namespace

std::string_view CrashPhaseName(CrashPhase phase) noexcept {
  return phase == CrashPhase::kBeforeServer ? "before" : "after";
}

std::string CrashPoint::Describe() const {
  if (write == 0) {
    return "no crash";
  }
  return phase == CrashPhase::kBeforeServer
             ? fmt::format("before the server handled write #{}", write)
             : fmt::format("after the server applied write #{}, before its response", write);
}

std::vector<OptionSpec> CrashOptions(int max_write, std::string default_crash) {
  std::vector<std::string> crash = {"none", "seeded"};
  for (int k = 1; k <= max_write; ++k) {
    crash.push_back(std::to_string(k));
  }
  return {
      {.key = "crash",
       .default_value = std::move(default_crash),
       .description = fmt::format(
           "crash the component once at its K-th write request (1..{}), at a point drawn from "
           "the seed, or never",
           max_write),
       .allowed = std::move(crash)},
      {.key = "crash-phase",
       .default_value = "seeded",
       .description = "before the server handles that write, after it applied it (the response "
                      "is lost), or drawn from the seed",
       .allowed = {"before", "after", "seeded"}},
  };
}

CrashPoint ResolveCrashPoint(const ScenarioContext& ctx, int max_write) {
  sim::Rng rng(ctx.GetBubble().GetOptions().seed, kCrashPointStream);
  CrashPoint point;
  const std::string& crash = ctx.Option("crash");
  const std::string& phase = ctx.Option("crash-phase");
  // Both draws are made whatever the options say, so each keeps its value across option sets.
  const int drawn_write = static_cast<int>(rng.UniformInRange(1, max_write));
  const bool drawn_after = rng.Bernoulli(0.5);
  if (crash == "none") {
    point.source = "--set crash=none";
    return point;
  }
  if (crash == "seeded") {
    point.write = drawn_write;
    point.source = "seeded";
  } else {
    point.write = static_cast<int>(ctx.IntOption("crash"));
    point.source = "--set crash=" + crash;
  }
  if (phase == "seeded") {
    point.phase = drawn_after ? CrashPhase::kAfterApplied : CrashPhase::kBeforeServer;
  } else {
    point.phase = phase == "after" ? CrashPhase::kAfterApplied : CrashPhase::kBeforeServer;
  }
  return point;
}

sim::Rng CrashRng(const ScenarioContext& ctx) {
  return sim::Rng(ctx.GetBubble().GetOptions().seed, kCrashChoicesStream);
}

Restartable::Restartable(fake::Clientset& cs, ComponentSpec spec, CrashPoint crash)
    : cs_(cs), spec_(std::move(spec)), crash_(std::move(crash)) {
  BUBBLE_EXPECT(static_cast<bool>(spec_.run), "Restartable \"{}\" without a run function",
                spec_.name);
  if (crash_.write > 0) {
    cs_.PrependReactor("*", "*", [this](fake::Action& a) { return OnRequest(a); });
  }
}

void Restartable::Note(std::string line) {
  sim::TraceInstant(line.starts_with("restart") ? "restart" : "crash",
                    fmt::format("{} {}", spec_.name, line));
  sim::Log().warn("component {} {}", spec_.name, line);
  history_.push_back(std::move(line));
}

fake::Reaction Restartable::OnRequest(fake::Action& action) {
  if (crashed_at_point_ || !process_ || !IsWrite(action.verb) ||
      sim::CurrentProcess().Id() != process_.Id() || ++writes_ != crash_.write) {
    return fake::Reaction::Unhandled();
  }
  crashed_at_point_ = true;
  ++crashes_;
  if (crash_.phase == CrashPhase::kBeforeServer) {
    Note(fmt::format("crashed at {} before the server handled write #{} ({}) [{}]", At(),
                     crash_.write, action, crash_.source));
    process_.Kill();  // from a member: unwinds the others, then throws FiberUnwind here
  }
  fake::Reaction applied = fake::ObjectReaction(cs_.GetTracker(), action);
  Note(fmt::format(
      "crashed at {} after the server applied write #{} ({}{}), before its response "
      "[{}]",
      At(), crash_.write, action,
      applied.error ? fmt::format(": {}", applied.error->message) : std::string(), crash_.source));
  process_.Kill();
  return applied;  // not reached: Kill() unwinds this fiber
}

void Restartable::Crash(std::string why) {
  if (Down()) {
    return;
  }
  ++crashes_;
  Note(fmt::format("crashed at {} ({})", At(), why));
  process_.Kill();
}

void Restartable::Start(const sim::Context& ctx) {
  BUBBLE_EXPECT(!supervisor_, "Restartable \"{}\" started twice", spec_.name);
  supervisor_ = sim::SpawnProcess(spec_.name + "/supervisor", [this, ctx] { Supervise(ctx); });
}

void Restartable::Supervise(sim::Context ctx) {
  for (;;) {
    ++starts_;
    if (starts_ > 1) {
      Note(fmt::format("restarted at {} (start #{}: fresh caches, empty queues)", At(), starts_));
    }
    const std::string name = starts_ == 1 ? spec_.name : fmt::format("{}#{}", spec_.name, starts_);
    process_ = sim::SpawnProcess(name, [this, ctx] { spec_.run(ctx); });
    process_.Wait();
    if (!process_.Killed() || ctx.IsDone()) {
      return;
    }
    if (!sim::SleepFor(spec_.restart_delay, ctx)) {
      return;
    }
  }
}

void Restartable::Wait() {
  supervisor_.Wait();
}

std::string Restartable::History() const {
  if (history_.empty()) {
    return fmt::format(
        "component {} did not crash (crash point: {}{})", spec_.name, crash_.Describe(),
        crash_.write > 0 ? fmt::format(", never reached: {} writes", writes_) : std::string());
  }
  return fmt::format("component {} {}", spec_.name, fmt::join(history_, "; "));
}

}  // namespace bubble::scenarios
