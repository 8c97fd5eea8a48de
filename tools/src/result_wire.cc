// tools/src/result_wire.cc
#include "result_wire.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "site_table.h"

namespace bubble::cli {

namespace {

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <typename T>
T Get(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

constexpr std::size_t kResultHeader = 1 + 8 + 1 + 1 + 8 + 4 + 4 + 4 + 1;
constexpr std::size_t kSiteHeader = 1 + 4 + 4;

}  // namespace

void ResultEncoder::Add(std::uint64_t index, const ItemResult& r, std::string& out) {
  auto define = [&](std::uint32_t id) {
    if (id < known_) {
      return;
    }
    const std::size_t k = id - known_;
    if (k >= sent_.size()) {
      sent_.resize(k + 1, false);
    }
    if (sent_[k]) {
      return;
    }
    sent_[k] = true;
    const std::string& name = Sites().Name(id);
    out.push_back('S');
    Put<std::uint32_t>(out, id);
    Put<std::uint32_t>(out, static_cast<std::uint32_t>(name.size()));
    out.append(name);
  };
  for (const sim::OrderFact& f : r.orders) {
    define(f.first);
    define(f.second);
  }
  out.push_back('R');
  Put<std::uint64_t>(out, index);
  Put<std::uint8_t>(out, r.state == ItemState::kPassed ? 0 : 1);
  Put<std::uint8_t>(out,
                    static_cast<std::uint8_t>(std::min<std::size_t>(r.fingerprint.size(), 255)));
  Put<double>(out, r.seconds);
  Put<std::uint32_t>(out, static_cast<std::uint32_t>(r.message.size()));
  Put<std::uint32_t>(out, static_cast<std::uint32_t>(r.report.size()));
  Put<std::uint32_t>(out, static_cast<std::uint32_t>(r.orders.size()));
  Put<std::uint8_t>(out,
                    static_cast<std::uint8_t>(std::min<std::size_t>(r.state_hash.size(), 255)));
  out.append(r.fingerprint, 0, 255);
  out.append(r.state_hash, 0, 255);
  out.append(r.message);
  out.append(r.report);
  for (const sim::OrderFact& f : r.orders) {
    Put<std::uint32_t>(out, f.first);
    Put<std::uint32_t>(out, f.second);
  }
}

void ResultDecoder::Feed(const char* data, std::size_t size,
                         const std::function<void(std::uint64_t, ItemResult&&)>& fn) {
  buffer_.erase(0, offset_);  // the incomplete record left by the last read, if any
  offset_ = 0;
  buffer_.append(data, size);
  auto site = [&](std::uint32_t id) -> std::uint32_t {
    if (id < known_) {
      return id;
    }
    const std::size_t k = id - known_;
    if (k >= local_.size() || local_[k] == UINT32_MAX) {
      throw std::runtime_error("a sweep worker sent a result naming a site it never defined");
    }
    return local_[k];
  };
  while (offset_ < buffer_.size()) {
    const char* p = buffer_.data() + offset_;
    const std::size_t left = buffer_.size() - offset_;
    if (*p == 'S') {
      if (left < kSiteHeader) {
        break;
      }
      const auto id = Get<std::uint32_t>(p + 1);
      const auto len = Get<std::uint32_t>(p + 5);
      if (left < kSiteHeader + len) {
        break;
      }
      if (id < known_) {
        throw std::runtime_error("a sweep worker redefined a site it inherited");
      }
      const std::size_t k = id - known_;
      if (k >= local_.size()) {
        local_.resize(k + 1, UINT32_MAX);
      }
      local_[k] = Sites().Intern(std::string_view(p + kSiteHeader, len));
      offset_ += kSiteHeader + len;
      continue;
    }
    if (*p != 'R') {
      throw std::runtime_error("a sweep worker sent a malformed result");
    }
    if (left < kResultHeader) {
      break;
    }
    const auto fp_len = Get<std::uint8_t>(p + 10);
    const auto msg_len = Get<std::uint32_t>(p + 19);
    const auto report_len = Get<std::uint32_t>(p + 23);
    const auto orders = Get<std::uint32_t>(p + 27);
    const auto hash_len = Get<std::uint8_t>(p + 31);
    const std::size_t total =
        kResultHeader + fp_len + hash_len + msg_len + report_len + std::size_t{orders} * 8;
    if (left < total) {
      break;
    }
    ItemResult r;
    r.state = Get<std::uint8_t>(p + 9) == 0 ? ItemState::kPassed : ItemState::kFailed;
    r.seconds = Get<double>(p + 11);
    const char* q = p + kResultHeader;
    r.fingerprint.assign(q, fp_len);
    q += fp_len;
    r.state_hash.assign(q, hash_len);
    q += hash_len;
    r.message.assign(q, msg_len);
    q += msg_len;
    r.report.assign(q, report_len);
    q += report_len;
    r.orders.reserve(orders);
    for (std::uint32_t i = 0; i < orders; ++i, q += 8) {
      r.orders.push_back({site(Get<std::uint32_t>(q)), site(Get<std::uint32_t>(q + 4))});
    }
    offset_ += total;
    fn(Get<std::uint64_t>(p + 1), std::move(r));
  }
}

}  // namespace bubble::cli
