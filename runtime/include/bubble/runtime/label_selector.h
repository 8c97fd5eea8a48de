// runtime/include/bubble/runtime/label_selector.h
//
// Label selectors in Kubernetes' string syntax (labels.Parse), and matching.
//
//   auto sel = runtime::LabelSelector::Parse("app=web,tier in (front,back),!canary");
//   if (!sel) { /* sel.error() is a BadRequest naming the position and what was expected */ }
//   sel->Matches(pod->metadata.labels);
//
// Syntax: requirements separated by ','. Each is one of
//   key            the label exists          !key           the label does not exist
//   key=value      key==value                key!=value     (value may be empty)
//   key in (v1,v2) key notin (v1,v2)         key>N  key<N   (N an integer)
// Keys are qualified names ([prefix/]name, name at most 63 characters of [A-Za-z0-9._-] starting
// and ending alphanumeric; prefix a DNS subdomain); values are empty or follow the name rule.
// Bad syntax is a BadRequest Status, never a crash. Matching follows Kubernetes: != and notin
// also match objects without the label. The empty selector matches everything.
// String() gives the canonical form (requirements sorted by key, set values sorted).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <bubble/runtime/status.h>

namespace bubble::runtime {

using Labels = std::map<std::string, std::string>;

enum class SelectorOperator : std::uint8_t {
  kEquals,        // = and ==
  kNotEquals,     // !=
  kIn,            // in (...)
  kNotIn,         // notin (...)
  kExists,        // key
  kDoesNotExist,  // !key
  kGreaterThan,   // key>N
  kLessThan,      // key<N
};

struct Requirement {
  std::string key{};
  SelectorOperator op = SelectorOperator::kExists;
  std::vector<std::string> values{};  // sorted, deduplicated

  bool Matches(const Labels& labels) const;
  std::string String() const;
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

class LabelSelector {
 public:
  // The selector that matches everything.
  LabelSelector() = default;

  // Parses the string syntax above. BadRequest with a message naming the problem on bad input.
  static Result<LabelSelector> Parse(std::string_view text);
  // key=value for each entry (labels.SelectorFromSet).
  static LabelSelector FromSet(const Labels& set);

  bool Matches(const Labels& labels) const;

  bool Empty() const noexcept { return requirements_.empty(); }

  const std::vector<Requirement>& Requirements() const noexcept { return requirements_; }

  std::string String() const;

  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;

 private:
  std::vector<Requirement> requirements_{};  // sorted by key
};

// Whether `key` is a valid label key / `value` a valid label value; the reason if not.
Result<void> ValidateLabelKey(std::string_view key);
Result<void> ValidateLabelValue(std::string_view value);

}  // namespace bubble::runtime

template <>
struct fmt::formatter<bubble::runtime::LabelSelector> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::LabelSelector& s,
                                  format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(s.String(), ctx);
  }
};
