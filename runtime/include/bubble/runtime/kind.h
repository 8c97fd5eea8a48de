// runtime/include/bubble/runtime/kind.h
//
// Your own kinds without boilerplate: a kind is metadata plus a Spec and a Status, plain structs
// that convert to and from JSON. KindBase supplies everything else object.h asks of a typed
// kind (encoding, decoding, equality, the status subresource); BUBBLE_KIND names the kind.
//
//   struct WidgetSpec {
//     std::int32_t size = 1;
//     std::string color{};
//     friend bool operator==(const WidgetSpec&, const WidgetSpec&) = default;
//   };
//   BUBBLE_JSON_FIELDS(WidgetSpec, (size, "size"), (color, "color"))
//
//   struct WidgetStatus {
//     std::string phase{};
//     friend bool operator==(const WidgetStatus&, const WidgetStatus&) = default;
//   };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WidgetStatus, phase)   // also fine
//
//   struct Widget final : runtime::KindBase<Widget, WidgetSpec, WidgetStatus> {
//     BUBBLE_KIND(Widget, "example.com", "v1", "Widget", "widgets", /*namespaced=*/true);
//   };
//
//   scheme.Register<Widget>();                      // fake::Options::scheme, or your own
//   auto widgets = clientset.For<Widget>("default");  // TypedClient<Widget>
//   auto lister = factory.ListerFor<Widget>();
//
// Spec and Status convert through nlohmann's to_json/from_json, found by ADL:
//  - BUBBLE_JSON_FIELDS(Type, (member, "jsonName"), ...) maps C++ members to Kubernetes' field
//    names, omits members equal to their default (omitempty; decoding a missing or null field
//    gives the default back, so round trips are exact), handles std::optional members (absent
//    when empty), and makes decoding errors name the field ("spec.template.containers.image").
//    Use it in the namespace of Type, outside the struct. Up to 24 fields.
//  - nlohmann's NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(_WITH_DEFAULT) or hand-written
//    to_json/from_json work too (JSON names = member names; errors name "spec" or "status").
// A decoding error is a BadRequest Status (`Widget: field "spec.size": type must be number, but
// is string`); nothing throws out of the library.
//
// Status is the status subresource: HasStatus() is true (the fake's status-subresource switch
// keeps it apart from spec) unless Status is NoStatus. Equality compares metadata, spec and status
// (with their operator==, or their JSON when they have none). Derived should add no data members
// of its own (they would be neither encoded nor compared); it may override Summary() and
// FieldValue().
//
// Cost: this header includes nlohmann/json.hpp; include it (and the kinds built on it) only where
// the kinds are used.
#pragma once

#include <concepts>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include <bubble/runtime/object.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime {

// The Status of a kind without a status subresource: nothing is encoded, HasStatus() is false.
struct NoStatus {
  friend bool operator==(const NoStatus&, const NoStatus&) = default;
};

namespace detail {

// A decoding error below a field: `path` is relative to the struct being decoded ("" = the
// struct itself), `why` says what is wrong.
struct FieldError : std::runtime_error {
  FieldError(std::string field_path, std::string reason);
  std::string path;
  std::string why;
};

// Called from a catch block while decoding field `key`: rethrows the current exception as a
// FieldError whose path starts with `key` (other exceptions propagate unchanged).
[[noreturn]] void RethrowInField(std::string_view key);
// Throws a FieldError("", ...) unless `j` is an object.
void ExpectObject(const nlohmann::json& j);
// The BadRequest for a failed decode of `section` ("spec", "status") of a `kind` object, from
// the exception being handled (FieldError or a JSON error).
Status SectionDecodeError(const GroupVersionKind& kind, std::string_view section);

template <class T>
struct IsOptional : std::false_type {};

template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

// Writes `value` under `key` unless it equals the default (or is an empty optional).
template <class T>
void PutField(nlohmann::json& j, const char* key, const T& value, const T& default_value) {
  if constexpr (IsOptional<T>::value) {
    if (value.has_value()) {
      j[key] = *value;
    }
  } else {
    if constexpr (std::equality_comparable<T>) {
      if (value == default_value) {
        return;
      }
    }
    j[key] = value;
  }
}

// Reads `key` into `value`; absent or null gives the default.
template <class T>
void GetField(const nlohmann::json& j, const char* key, T& value, const T& default_value) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    value = default_value;
    return;
  }
  try {
    if constexpr (IsOptional<T>::value) {
      value = it->template get<typename T::value_type>();
    } else {
      value = it->template get<T>();
    }
  } catch (...) {
    RethrowInField(key);
  }
}

template <class T>
bool JsonEqual(const T& a, const T& b) {
  if constexpr (std::equality_comparable<T>) {
    return a == b;
  } else {
    return nlohmann::json(a) == nlohmann::json(b);
  }
}

}  // namespace detail

// ObjectMeta inside a Spec (a pod template's metadata), as ObjectMeta::ToJson/FromJson write and
// read it.
void to_json(nlohmann::json& j, const ObjectMeta& meta);
void from_json(const nlohmann::json& j, ObjectMeta& meta);

// The base of a kind made of a Spec and a Status (see the top of this file).
template <class Derived, class Spec, class Status = NoStatus>
class KindBase : public TypedObject<Derived> {
 public:
  using SpecType = Spec;
  using StatusType = Status;

  KindBase() = default;

  explicit KindBase(ObjectMeta meta, Spec spec_value = {}, Status status_value = {})
      : TypedObject<Derived>(std::move(meta)),
        spec(std::move(spec_value)),
        status(std::move(status_value)) {}

  Spec spec{};
  Status status{};

  bool HasStatus() const override { return kHasStatus; }

  friend bool operator==(const KindBase& a, const KindBase& b) {
    return a.metadata == b.metadata && detail::JsonEqual(a.spec, b.spec) &&
           detail::JsonEqual(a.status, b.status);
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override {
    CheckKindMacro();
    j["spec"] = spec;
    if constexpr (kHasStatus) {
      j["status"] = status;
    }
  }

  Result<void> DecodeBody(const nlohmann::json& j) override {
    CheckKindMacro();
    if (auto ok = DecodeSection(j, "spec", spec); !ok) {
      return ok;
    }
    if constexpr (kHasStatus) {
      return DecodeSection(j, "status", status);
    }
    return {};
  }

 private:
  static constexpr bool kHasStatus = !std::is_same_v<Status, NoStatus>;

  // Catches a BUBBLE_KIND copied from another kind without renaming its Type.
  static void CheckKindMacro() {
    if constexpr (requires { typename Derived::BubbleKindSelf; }) {
      static_assert(std::is_same_v<typename Derived::BubbleKindSelf, Derived>,
                    "BUBBLE_KIND(Type, ...) must name the class it is used in");
    }
  }

  template <class Part>
  static Result<void> DecodeSection(const nlohmann::json& j, const char* key, Part& out) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      out = Part{};
      return {};
    }
    try {
      out = it->template get<Part>();
      return {};
    } catch (...) {
      return Err(detail::SectionDecodeError(Derived::StaticKind(), key));
    }
  }
};

}  // namespace bubble::runtime

// Inside a class deriving from KindBase: the kind (group, version, Kind), its resource and
// whether it is namespaced, plus KindBase's constructors. Leaves the class in public access.
#define BUBBLE_KIND(Type, group, version, kind, resource, namespaced)                    \
 public:                                                                                 \
  using BubbleKindSelf = Type;                                                           \
  using KindBase::KindBase;                                                              \
  static const ::bubble::runtime::GroupVersionKind& StaticKind() {                       \
    static const ::bubble::runtime::GroupVersionKind static_kind{group, version, kind};  \
    return static_kind;                                                                  \
  }                                                                                      \
  static const ::bubble::runtime::GroupVersionResource& StaticResource() {               \
    static const ::bubble::runtime::GroupVersionResource static_resource{group, version, \
                                                                         resource};      \
    return static_resource;                                                              \
  }                                                                                      \
  static constexpr bool kNamespaced = namespaced

// to_json/from_json for a plain struct, member by member: BUBBLE_JSON_FIELDS(Type, (member,
// "jsonName"), ...). See the top of this file.
#define BUBBLE_JSON_FIELDS(Type, ...)                                            \
  inline void to_json(nlohmann::json& bubble_json, const Type& bubble_value) {   \
    static const Type bubble_default{};                                          \
    bubble_json = nlohmann::json::object();                                      \
    BUBBLE_DETAIL_FOR_EACH(BUBBLE_DETAIL_FIELD_TO, __VA_ARGS__)                  \
  }                                                                              \
  inline void from_json(const nlohmann::json& bubble_json, Type& bubble_value) { \
    static const Type bubble_default{};                                          \
    ::bubble::runtime::detail::ExpectObject(bubble_json);                        \
    BUBBLE_DETAIL_FOR_EACH(BUBBLE_DETAIL_FIELD_FROM, __VA_ARGS__)                \
  }

#define BUBBLE_DETAIL_FIELD_TO(member, key) \
  ::bubble::runtime::detail::PutField(bubble_json, key, bubble_value.member, bubble_default.member);
#define BUBBLE_DETAIL_FIELD_FROM(member, key) \
  ::bubble::runtime::detail::GetField(bubble_json, key, bubble_value.member, bubble_default.member);

// BUBBLE_DETAIL_FOR_EACH(m, (a, b), (c, d)) -> m(a, b) m(c, d); up to 24 pairs.
#define BUBBLE_DETAIL_FE_1(m, x) m x
#define BUBBLE_DETAIL_FE_2(m, x, ...) m x BUBBLE_DETAIL_FE_1(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_3(m, x, ...) m x BUBBLE_DETAIL_FE_2(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_4(m, x, ...) m x BUBBLE_DETAIL_FE_3(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_5(m, x, ...) m x BUBBLE_DETAIL_FE_4(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_6(m, x, ...) m x BUBBLE_DETAIL_FE_5(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_7(m, x, ...) m x BUBBLE_DETAIL_FE_6(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_8(m, x, ...) m x BUBBLE_DETAIL_FE_7(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_9(m, x, ...) m x BUBBLE_DETAIL_FE_8(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_10(m, x, ...) m x BUBBLE_DETAIL_FE_9(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_11(m, x, ...) m x BUBBLE_DETAIL_FE_10(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_12(m, x, ...) m x BUBBLE_DETAIL_FE_11(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_13(m, x, ...) m x BUBBLE_DETAIL_FE_12(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_14(m, x, ...) m x BUBBLE_DETAIL_FE_13(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_15(m, x, ...) m x BUBBLE_DETAIL_FE_14(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_16(m, x, ...) m x BUBBLE_DETAIL_FE_15(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_17(m, x, ...) m x BUBBLE_DETAIL_FE_16(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_18(m, x, ...) m x BUBBLE_DETAIL_FE_17(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_19(m, x, ...) m x BUBBLE_DETAIL_FE_18(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_20(m, x, ...) m x BUBBLE_DETAIL_FE_19(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_21(m, x, ...) m x BUBBLE_DETAIL_FE_20(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_22(m, x, ...) m x BUBBLE_DETAIL_FE_21(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_23(m, x, ...) m x BUBBLE_DETAIL_FE_22(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_24(m, x, ...) m x BUBBLE_DETAIL_FE_23(m, __VA_ARGS__)
#define BUBBLE_DETAIL_FE_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, \
                              _16, _17, _18, _19, _20, _21, _22, _23, _24, name, ...)           \
  name
#define BUBBLE_DETAIL_FOR_EACH(m, ...)                                                    \
  BUBBLE_DETAIL_FE_PICK(                                                                  \
      __VA_ARGS__, BUBBLE_DETAIL_FE_24, BUBBLE_DETAIL_FE_23, BUBBLE_DETAIL_FE_22,         \
      BUBBLE_DETAIL_FE_21, BUBBLE_DETAIL_FE_20, BUBBLE_DETAIL_FE_19, BUBBLE_DETAIL_FE_18, \
      BUBBLE_DETAIL_FE_17, BUBBLE_DETAIL_FE_16, BUBBLE_DETAIL_FE_15, BUBBLE_DETAIL_FE_14, \
      BUBBLE_DETAIL_FE_13, BUBBLE_DETAIL_FE_12, BUBBLE_DETAIL_FE_11, BUBBLE_DETAIL_FE_10, \
      BUBBLE_DETAIL_FE_9, BUBBLE_DETAIL_FE_8, BUBBLE_DETAIL_FE_7, BUBBLE_DETAIL_FE_6,     \
      BUBBLE_DETAIL_FE_5, BUBBLE_DETAIL_FE_4, BUBBLE_DETAIL_FE_3, BUBBLE_DETAIL_FE_2,     \
      BUBBLE_DETAIL_FE_1)                                                                 \
  (m, __VA_ARGS__)
