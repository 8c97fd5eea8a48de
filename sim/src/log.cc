// sim/src/log.cc
//
// Logging stamped with virtual time, klog style: "I0101 00:00:00.100000 informer/configmaps] msg".
// Every logger belongs to its bubble (never spdlog's global registry: two bubbles in one binary
// share nothing). Sinks are single-threaded. Two sinks: stderr (Options::log_level) and the
// trace (Options::trace_log_level), so what is printed never changes the fingerprint.
#include <memory>
#include <string>

#include <spdlog/details/log_msg.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "log_level.h"
#include "scheduler.h"

namespace bubble::sim::detail {

namespace {

// %V: the bubble's virtual time as klog's "MMDD hh:mm:ss.uuuuuu".
class VirtualTimeFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string t = FormatKlogTime(Clock::now());
    dest.append(t.data(), t.data() + t.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<VirtualTimeFlag>();
  }
};

// %N: the running fiber's name ("bubble" in the scheduler).
class FiberNameFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const Scheduler* s = Scheduler::Current();
    const std::string_view name = s != nullptr ? s->RunningName() : std::string_view("-");
    dest.append(name.data(), name.data() + name.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<FiberNameFlag>();
  }
};

// klog's severity letters: I W E F (and D/T for spdlog's debug/trace).
class KlogLevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kLetters[] = {'T', 'D', 'I', 'W', 'E', 'F', 'O'};
    dest.push_back(kLetters[static_cast<int>(msg.level)]);
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<KlogLevelFlag>();
  }
};

// Appends each log line's message to the trace of the bubble that logs it.
class TraceSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (Scheduler* s = Scheduler::Current()) {
      s->Record(EventKind::kLog, static_cast<std::uint64_t>(msg.level),
                std::string_view(msg.payload.data(), msg.payload.size()));
    }
  }

  void flush_() override {}
};

}  // namespace

std::unique_ptr<spdlog::formatter> MakeKlogFormatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<KlogLevelFlag>('Q').add_flag<VirtualTimeFlag>('V').add_flag<FiberNameFlag>('N');
  f->set_pattern("%Q%V %N] %v");
  return f;
}

void Scheduler::CreateLoggers() {
  auto to_stderr = std::make_shared<spdlog::sinks::stderr_sink_st>();
  to_stderr->set_level(ToSpdlog(options_.log_level));
  to_stderr->set_formatter(MakeKlogFormatter());
  auto to_trace = std::make_shared<TraceSink>();
  to_trace->set_level(ToSpdlog(options_.trace_log_level));
  sinks_ = {to_stderr, to_trace};
  default_logger_ = std::make_shared<spdlog::logger>("bubble", sinks_.begin(), sinks_.end());
  default_logger_->set_level(ToSpdlog(std::min(options_.log_level, options_.trace_log_level)));
  default_logger_->flush_on(spdlog::level::warn);
}

spdlog::logger& Scheduler::Logger(std::string_view component) {
  auto it = loggers_.find(component);
  if (it == loggers_.end()) {
    auto logger =
        std::make_shared<spdlog::logger>(std::string(component), sinks_.begin(), sinks_.end());
    logger->set_level(default_logger_->level());
    it = loggers_.emplace(std::string(component), std::move(logger)).first;
  }
  return *it->second;
}

}  // namespace bubble::sim::detail
