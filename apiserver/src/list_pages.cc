// apiserver/src/list_pages.cc
#include "list_pages.h"

#include <algorithm>
#include <charconv>
#include <cstddef>

#include <fmt/format.h>

namespace bubble::apiserver::detail {

namespace {

// Tokens are opaque to clients; bubble's read "<list id>.<offset>".
std::string Token(std::uint64_t id, std::size_t offset) {
  return fmt::format("{}.{}", id, offset);
}

bool ParseToken(std::string_view token, std::uint64_t& id, std::size_t& offset) {
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  const char* end = token.data() + token.size();
  auto [p1, e1] = std::from_chars(token.data(), token.data() + dot, id);
  auto [p2, e2] = std::from_chars(token.data() + dot + 1, end, offset);
  return e1 == std::errc() && e2 == std::errc() && p1 == token.data() + dot && p2 == end;
}

// kube-apiserver's words for a continue token it can no longer serve (storage/etcd3).
runtime::Status Expired() {
  return runtime::NewResourceExpired(
      "The provided continue parameter is too old to display a consistent list result. You can "
      "start a new list without the continue parameter.");
}

}  // namespace

ListPage ListPages::First(std::string key, runtime::ObjectList list, std::int64_t limit,
                          sim::TimePoint now) {
  DropExpired(now);
  if (limit <= 0 || list.items.size() <= static_cast<std::size_t>(limit)) {
    return {.items = std::move(list.items),
            .resource_version = std::move(list.metadata.resource_version),
            .continue_token = {},
            .remaining_item_count = {}};
  }
  while (max_lists_ > 0 && lists_.size() >= max_lists_) {
    lists_.erase(lists_.begin());
  }
  const std::uint64_t id = next_id_++;
  lists_.emplace(id, Snapshot{std::move(key), std::move(list), now});
  return Cut(id, 0, limit);
}

runtime::Result<ListPage> ListPages::Next(std::string_view token, std::string_view key,
                                          std::int64_t limit, sim::TimePoint now) {
  DropExpired(now);
  std::uint64_t id = 0;
  std::size_t offset = 0;
  if (!ParseToken(token, id, offset)) {
    return runtime::Err(Expired());
  }
  const auto it = lists_.find(id);
  if (it == lists_.end() || offset > it->second.list.items.size()) {
    return runtime::Err(Expired());
  }
  if (it->second.key != key) {
    return runtime::Err(runtime::NewBadRequest(
        "continue key is not valid: the token was issued for another list (resource, namespace "
        "or selectors differ)"));
  }
  return Cut(id, offset, limit);
}

ListPage ListPages::Cut(std::uint64_t id, std::size_t offset, std::int64_t limit) {
  Snapshot& snap = lists_.at(id);
  const std::size_t total = snap.list.items.size();
  const std::size_t end =
      limit <= 0 ? total : std::min(total, offset + static_cast<std::size_t>(limit));
  ListPage page;
  page.items.assign(snap.list.items.begin() + static_cast<std::ptrdiff_t>(offset),
                    snap.list.items.begin() + static_cast<std::ptrdiff_t>(end));
  page.resource_version = snap.list.metadata.resource_version;
  if (end < total) {
    page.continue_token = Token(id, end);
    page.remaining_item_count = static_cast<std::int64_t>(total - end);
  } else {
    lists_.erase(id);  // the last page: nothing more to serve
  }
  return page;
}

void ListPages::DropExpired(sim::TimePoint now) {
  while (!lists_.empty() && now - lists_.begin()->second.created >= ttl_) {
    lists_.erase(lists_.begin());
  }
}

}  // namespace bubble::apiserver::detail
