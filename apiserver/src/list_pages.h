// apiserver/src/list_pages.h
//
// Paged lists (?limit=N&continue=TOKEN) over a server that answers every list in full: the
// first page's request lists everything once, and the rest of that list waits under a continue
// token for the next pages, so every page of one list is cut from the same snapshot — a write
// between two pages shows in none of them, as with etcd's paging at one revision (docs/
// semantics.md §1.16). Snapshots are bounded in number and age; an unknown or expired token is
// 410 Expired with kube-apiserver's wording, which makes kubectl and client-go's pager start
// over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/clock.h>

namespace bubble::apiserver::detail {

struct ListPage {
  std::vector<runtime::ObjectPtr> items{};
  std::string resource_version{};
  std::string continue_token{};  // "" on the last page
  std::optional<std::int64_t> remaining_item_count{};
};

class ListPages {
 public:
  ListPages(sim::Duration ttl, std::size_t max_lists) : ttl_(ttl), max_lists_(max_lists) {}

  // The first page of `list` (all of it when `limit` <= 0 or enough). `key` names what was
  // listed (resource, namespace, selectors): a token is only good for the same key.
  ListPage First(std::string key, runtime::ObjectList list, std::int64_t limit, sim::TimePoint now);
  // The page after `token`. 410 Expired for an unknown or expired token; 400 for a token of
  // another list.
  runtime::Result<ListPage> Next(std::string_view token, std::string_view key, std::int64_t limit,
                                 sim::TimePoint now);

  std::size_t Size() const noexcept { return lists_.size(); }

 private:
  struct Snapshot {
    std::string key{};
    runtime::ObjectList list{};
    sim::TimePoint created{};
  };

  ListPage Cut(std::uint64_t id, std::size_t offset, std::int64_t limit);
  void DropExpired(sim::TimePoint now);

  sim::Duration ttl_;
  std::size_t max_lists_;
  std::map<std::uint64_t, Snapshot> lists_{};  // by id: the oldest first
  std::uint64_t next_id_ = 1;
};

}  // namespace bubble::apiserver::detail
