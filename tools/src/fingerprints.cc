// tools/src/fingerprints.cc
#include "fingerprints.h"

#include <fmt/format.h>

namespace bubble::cli {

void FingerprintFile::Add(const SweepItem& item, const std::string& fingerprint) {
  if (plan_.groups[item.group].hunt) {
    return;
  }
  held_.emplace(std::make_pair(item.group, item.index), fingerprint);
  Flush();
}

void FingerprintFile::Flush() {
  while (next_group_ < plan_.groups.size()) {
    const SweepGroup& g = plan_.groups[next_group_];
    if (g.hunt) {
      next_group_ = plan_.groups.size();  // hunts come after every normal group
      break;
    }
    if (next_index_ >= g.seeds.count) {
      ++next_group_;
      next_index_ = 0;
      continue;
    }
    const auto it = held_.find({next_group_, next_index_});
    if (it == held_.end()) {
      return;
    }
    out_ << Line(next_group_, next_index_, it->second);
    held_.erase(it);
    ++next_index_;
  }
}

std::string FingerprintFile::Line(std::size_t group, std::uint64_t index,
                                  const std::string& fingerprint) const {
  const SweepGroup& g = plan_.groups[group];
  return fmt::format("{} {} {} {}\n", g.scenario->name,
                     g.bugs.empty() ? std::string("--") : fmt::format("{}", fmt::join(g.bugs, ",")),
                     g.seeds.At(index), fingerprint.empty() ? "crashed" : fingerprint);
}

void FingerprintFile::MarkIncomplete(const std::string& why) {
  out_ << "# incomplete: the sweep was " << why << "\n";
}

}  // namespace bubble::cli
