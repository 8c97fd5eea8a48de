// runtime/include/bubble/runtime/object.h
//
// Object: the base of every API object (typed kinds such as ConfigMap and Lease, and
// Unstructured for custom resources), and ObjectPtr, the form in which objects are handed out.
//
// Objects handed out by the API (Get, List, watch events) and by informer caches are immutable
// shared values: ObjectPtr = std::shared_ptr<const Object>. Readers share the stored object
// (no deep copies on reads); writing means copying:
//
//   runtime::ConfigMap next = *current;          // current: std::shared_ptr<const ConfigMap>
//   next.data["k"] = "v";
//   client.Update(next, {});
//
// so the Go bug of mutating an object that lives in an informer cache cannot compile.
//
// Every kind converts to and from JSON in Kubernetes' field names (the basis of merge patches and
// of Unstructured), formats with fmt ("ConfigMap default/cm1 rv=3 data={k=v}", or "{:j}" for
// JSON), and answers field selectors (FieldValue).
//
// To define a kind with code made of a spec and a status, use KindBase (kind.h): no encoder to
// write. Otherwise derive from TypedObject<Derived> (it supplies Clone, New, Kind and
// Equals), give it `static const GroupVersionKind& StaticKind()`, `static const
// GroupVersionResource& StaticResource()`, `static constexpr bool kNamespaced`, an operator==
// (comparing metadata too), and implement EncodeBody/DecodeBody; then register it in a Scheme.
// Without code, use Unstructured.
//
// Threading: objects are plain values; an ObjectPtr may be shared freely (it is const).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json_fwd.hpp>

#include <bubble/runtime/group_version.h>
#include <bubble/runtime/object_meta.h>
#include <bubble/runtime/status.h>

namespace bubble::runtime {

class Object {
 public:
  virtual ~Object() = default;

  ObjectMeta metadata{};

  // The object's type. For typed kinds a static value; Unstructured carries its own.
  virtual const GroupVersionKind& Kind() const = 0;
  // A deep copy with the same dynamic type, ready to be modified.
  virtual std::unique_ptr<Object> Clone() const = 0;
  // An empty object of the same kind (for decoding into).
  virtual std::unique_ptr<Object> New() const = 0;
  // Same dynamic type and equal content (metadata included).
  virtual bool Equals(const Object& other) const = 0;

  // The full object as JSON: apiVersion, kind, metadata and the kind's own fields.
  nlohmann::json ToJson() const;
  // Replaces this object's content with `j`. BadRequest if `j` names another kind or a field
  // has the wrong type; on error the object is left partly assigned.
  Result<void> ReadJson(const nlohmann::json& j);

  // The value of a field-selector field, or nullopt if the kind does not support that field.
  // Every kind supports metadata.name and metadata.namespace; kinds add their own (Pod:
  // spec.nodeName, status.phase, ...).
  virtual std::optional<std::string> FieldValue(std::string_view field) const;

  // Whether the kind has a status subresource (Pod yes; ConfigMap, Secret, Lease no).
  virtual bool HasStatus() const { return false; }

  // A short summary of the kind's own content for formatting ("data={k=v}"); may be empty.
  virtual std::string Summary() const { return {}; }

 protected:
  Object() = default;

  explicit Object(ObjectMeta meta) : metadata(std::move(meta)) {}

  // Copyable only as part of a concrete kind (no slicing through Object).
  Object(const Object&) = default;
  Object(Object&&) = default;
  Object& operator=(const Object&) = default;
  Object& operator=(Object&&) = default;

  // Writes the kind's own fields (everything but apiVersion, kind and metadata) into `j`.
  virtual void EncodeBody(nlohmann::json& j) const = 0;
  // Reads the kind's own fields from the full object `j`.
  virtual Result<void> DecodeBody(const nlohmann::json& j) = 0;
};

using ObjectPtr = std::shared_ptr<const Object>;

// A list as returned by List: ListMeta (resourceVersion) and shared items, in (namespace, name)
// order from the fake.
struct ObjectList {
  ListMeta metadata{};
  std::vector<ObjectPtr> items{};
};

// CRTP helper for typed kinds: Kind(), Clone(), New() and Equals() from Derived.
template <class Derived>
class TypedObject : public Object {
 public:
  const GroupVersionKind& Kind() const override { return Derived::StaticKind(); }

  std::unique_ptr<Object> Clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }

  std::unique_ptr<Object> New() const override { return std::make_unique<Derived>(); }

  bool Equals(const Object& other) const override {
    if (&other.Kind() != &Derived::StaticKind()) {
      return false;
    }
    return static_cast<const Derived&>(*this) == static_cast<const Derived&>(other);
  }

 protected:
  using Object::Object;
};

namespace detail {
template <class T>
concept StaticKinded = requires {
  { T::StaticKind() } -> std::same_as<const GroupVersionKind&>;
};

Status WrongKind(const GroupVersionKind& want, const Object& got);
// into.ReadJson(from.ToJson()), kept out of line so this header needs no full JSON.
Result<void> Convert(const Object& from, Object& into);
}  // namespace detail

// Views an object as kind T: the same object when it is a T (no copy), otherwise a T decoded from
// its JSON (an Unstructured of the same kind). BadRequest if the kinds differ or decoding fails;
// InternalError for a null pointer.
template <class T>
Result<std::shared_ptr<const T>> As(const ObjectPtr& obj) {
  if (obj == nullptr) {
    return Err(NewInternalError("expected an object, got none"));
  }
  if constexpr (detail::StaticKinded<T>) {
    if (&obj->Kind() == &T::StaticKind()) {
      return std::static_pointer_cast<const T>(obj);
    }
    if (obj->Kind() != T::StaticKind()) {
      return Err(detail::WrongKind(T::StaticKind(), *obj));
    }
    auto out = std::make_shared<T>();
    if (auto ok = detail::Convert(*obj, *out); !ok) {
      return Err(ok.error());
    }
    return std::shared_ptr<const T>(std::move(out));
  } else {
    if (auto p = std::dynamic_pointer_cast<const T>(obj)) {
      return p;
    }
    auto out = std::make_shared<T>();
    if (auto ok = detail::Convert(*obj, *out); !ok) {
      return Err(ok.error());
    }
    return std::shared_ptr<const T>(std::move(out));
  }
}

// Formats an object as fmt's "{}" does; "{:j}" gives its JSON.
std::string Describe(const Object& obj);

}  // namespace bubble::runtime

// Every kind: `{}` -> "ConfigMap default/cm1 rv=3 data={k=v}", `{:j}` -> compact JSON.
template <class T>
struct fmt::formatter<T, char, std::enable_if_t<std::is_base_of_v<bubble::runtime::Object, T>>> {
  bool json = false;

  constexpr auto parse(format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 'j') {
      json = true;
      ++it;
    }
    return it;
  }

  format_context::iterator format(const bubble::runtime::Object& obj, format_context& ctx) const {
    return FormatObject(obj, json, ctx);
  }

  static format_context::iterator FormatObject(const bubble::runtime::Object& obj, bool json,
                                               format_context& ctx);
};

// Shared pointers to objects format as the object, or "<nil>".
template <class T>
struct fmt::formatter<
    std::shared_ptr<T>, char,
    std::enable_if_t<std::is_base_of_v<bubble::runtime::Object, std::remove_const_t<T>>>>
    : fmt::formatter<bubble::runtime::Object> {
  format_context::iterator format(const std::shared_ptr<T>& p, format_context& ctx) const {
    if (p == nullptr) {
      return fmt::format_to(ctx.out(), "<nil>");
    }
    return fmt::formatter<bubble::runtime::Object>::format(*p, ctx);
  }
};

// "[default/cm1 default/cm2] rv=3".
template <>
struct fmt::formatter<bubble::runtime::ObjectList> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }

  format_context::iterator format(const bubble::runtime::ObjectList& list,
                                  format_context& ctx) const;
};

namespace bubble::runtime::detail {
fmt::format_context::iterator FormatObjectTo(const Object& obj, bool json,
                                             fmt::format_context& ctx);
}

template <class T>
fmt::format_context::iterator
fmt::formatter<T, char, std::enable_if_t<std::is_base_of_v<bubble::runtime::Object, T>>>::
    FormatObject(const bubble::runtime::Object& obj, bool json, format_context& ctx) {
  return bubble::runtime::detail::FormatObjectTo(obj, json, ctx);
}
