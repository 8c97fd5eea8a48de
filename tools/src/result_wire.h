// tools/src/result_wire.h
//
// What a sweep worker sends its parent through its pipe: item results, many per write. A record
// is binary (both ends are the same program: fork), so the parent only copies bytes:
//
//   'R' index:u64 state:u8 fingerprint_len:u8 seconds:f64 message_len:u32 report_len:u32
//       orders:u32 fingerprint message report (first:u32 second:u32)*orders
//   'S' id:u32 len:u32 name        a site the worker numbered after it was forked
//
// Site numbers below the table's size at fork are the parent's own; the worker defines each
// newer one once, before the first result that uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sweep.h"

namespace bubble::cli {

class ResultEncoder {
 public:
  // `known_sites`: Sites().Size() when the worker was forked.
  explicit ResultEncoder(std::size_t known_sites) : known_(known_sites) {}

  // Appends the records of one result (its new sites first) to `out`.
  void Add(std::uint64_t index, const ItemResult& r, std::string& out);

 private:
  std::size_t known_;
  std::vector<bool> sent_;  // sites known_ + i already defined
};

class ResultDecoder {
 public:
  explicit ResultDecoder(std::size_t known_sites) : known_(known_sites) {}

  // Takes bytes read from the pipe; hands every complete result to `fn` (index, result). A
  // malformed stream throws std::runtime_error.
  void Feed(const char* data, std::size_t size,
            const std::function<void(std::uint64_t, ItemResult&&)>& fn);

  // Bytes of an incomplete record held for the next Feed.
  std::size_t Pending() const noexcept { return buffer_.size() - offset_; }

 private:
  std::size_t known_;
  std::vector<std::uint32_t> local_;  // the worker's site known_ + i -> this process's
  std::string buffer_;
  std::size_t offset_ = 0;
};

}  // namespace bubble::cli
