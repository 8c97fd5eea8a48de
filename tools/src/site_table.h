// tools/src/site_table.h
//
// The names of order-coverage sites ("writer-0 update configmaps") a sweep has seen, each once,
// numbered in the order this process first saw them. ItemResult::orders holds facts over these
// numbers: a run's own site numbers (sim::AccessOrders) are mapped here in the worker, and back
// to the parent's numbers by the ResultDecoder. The numbers depend on arrival order; everything
// printed or written sorts by name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::cli {

class SiteTable {
 public:
  std::uint32_t Intern(std::string_view name);

  const std::string& Name(std::uint32_t id) const { return names_[id]; }

  std::size_t Size() const noexcept { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::uint32_t, std::less<>> ids_;
};

// This process's table (a forked worker starts with its parent's).
SiteTable& Sites();

}  // namespace bubble::cli
