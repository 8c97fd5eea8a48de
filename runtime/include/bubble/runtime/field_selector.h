// runtime/include/bubble/runtime/field_selector.h
//
// Field selectors in Kubernetes' string syntax (fields.ParseSelector):
//   metadata.name=cm1,metadata.namespace!=kube-system
// Terms are separated by ','; operators are =, == and !=; '\' escapes ',', '=', '!' and '\' in
// values. Every kind supports metadata.name and metadata.namespace; kinds add their own fields
// (Object::FieldValue). Bad syntax is a BadRequest at parse time; a field the kind does not
// support is a BadRequest ("field label not supported: spec.foo") when matched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime {

struct FieldRequirement {
  std::string field{};
  bool negate = false;  // != instead of =
  std::string value{};
  friend bool operator==(const FieldRequirement&, const FieldRequirement&) = default;
};

class FieldSelector {
 public:
  // Matches everything.
  FieldSelector() = default;

  static Result<FieldSelector> Parse(std::string_view text);

  // Whether `obj` matches; BadRequest if a field is not supported by the object's kind.
  Result<bool> Matches(const Object& obj) const;
  // BadRequest if a field is not supported by the kind of `sample`.
  Result<void> Validate(const Object& sample) const;

  bool Empty() const noexcept { return requirements_.empty(); }

  const std::vector<FieldRequirement>& Requirements() const noexcept { return requirements_; }

  std::string String() const;

  friend bool operator==(const FieldSelector&, const FieldSelector&) = default;

 private:
  std::vector<FieldRequirement> requirements_{};
};

}  // namespace bubble::runtime

template <>
struct fmt::formatter<bubble::runtime::FieldSelector> : fmt::formatter<std::string_view> {
  format_context::iterator format(const bubble::runtime::FieldSelector& s,
                                  format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(s.String(), ctx);
  }
};
