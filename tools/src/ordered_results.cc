// tools/src/ordered_results.cc
#include "ordered_results.h"

namespace bubble::cli {

void OrderedResults::Add(const SweepItem& item, ItemResult&& r) {
  const std::size_t g = item.group;
  if (plan_.groups[g].hunt) {
    sink_(item, std::move(r));
    return;
  }
  if (stopped_[g]) {
    return;
  }
  if (item.index != next_[g]) {
    held_.emplace(std::make_pair(g, item.index), std::make_pair(item, std::move(r)));
    return;
  }
  sink_(item, std::move(r));
  ++next_[g];
  for (auto it = held_.find({g, next_[g]}); it != held_.end() && !stopped_[g];
       it = held_.find({g, next_[g]})) {
    auto [held_item, held_result] = std::move(it->second);
    held_.erase(it);
    sink_(held_item, std::move(held_result));
    ++next_[g];
  }
  if (stopped_[g]) {
    held_.erase(held_.lower_bound({g, 0}), held_.lower_bound({g + 1, 0}));
  }
}

void OrderedResults::Flush() {
  auto held = std::move(held_);
  held_.clear();
  for (auto& [key, entry] : held) {
    if (!stopped_[key.first]) {
      sink_(entry.first, std::move(entry.second));
    }
  }
}

}  // namespace bubble::cli
