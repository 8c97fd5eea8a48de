// runtime/src/pager.cc
#include "bubble/runtime/pager.h"

#include <optional>
#include <string>
#include <utility>

namespace bubble::runtime {

Result<ObjectList> ListAllPages(const ListFunc& list, const sim::Context& ctx, ListOptions options,
                                std::int64_t page_size, bool& paginated) {
  paginated = false;
  if (options.limit == 0) {
    options.limit = page_size;
  }
  const std::string requested_rv = options.resource_version;
  const std::string requested_match = options.resource_version_match;
  std::optional<ObjectList> all;
  while (true) {
    if (ctx.IsDone()) {
      return Err(NewContextError(ctx.Err()));
    }
    Result<ObjectList> page = list(ctx, options);
    if (!page) {
      if (!IsResourceExpired(page.error()) || options.continue_.empty()) {
        return page;
      }
      options.limit = 0;
      options.continue_.clear();
      options.resource_version = requested_rv;
      options.resource_version_match = requested_match;
      return list(ctx, options);
    }
    if (page->metadata.continue_.empty() && !all) {
      return page;
    }
    if (!all) {
      all.emplace();
      all->metadata.resource_version = page->metadata.resource_version;
    }
    for (ObjectPtr& item : page->items) {
      all->items.push_back(std::move(item));
    }
    if (page->metadata.continue_.empty()) {
      return std::move(*all);
    }
    options.continue_ = page->metadata.continue_;
    // A continued list must not name a resourceVersion (kubernetes#85221).
    options.resource_version.clear();
    options.resource_version_match.clear();
    paginated = true;
  }
}

}  // namespace bubble::runtime
