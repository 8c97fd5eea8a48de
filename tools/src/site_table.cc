// tools/src/site_table.cc
#include "site_table.h"

namespace bubble::cli {

std::uint32_t SiteTable::Intern(std::string_view name) {
  if (const auto it = ids_.find(name); it != ids_.end()) {
    return it->second;
  }
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(names_.back(), id);
  return id;
}

SiteTable& Sites() {
  static SiteTable table;
  return table;
}

}  // namespace bubble::cli
