// runtime/include/bubble/runtime/unstructured.h
//
// Unstructured: an object of any kind held as JSON, for custom resources without code
// generation (dynamic.Unstructured in Go). The kind (apiVersion/kind) and the metadata are
// parsed out; everything else (spec, status, data, ...) stays in `content`.
//
//   runtime::Unstructured widget({"example.com", "v1", "Widget"}, {.name = "w1", .namespace_ =
//   "ns"},
//                                {{"spec", {{"size", 3}}}});
//   client.Create(widget, {});   // with GVR {"example.com", "v1", "widgets"}
//
// Field selectors support metadata.name and metadata.namespace. HasStatus() is true when
// `content` has a "status" member.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <bubble/runtime/object.h>

namespace bubble::runtime {

class Unstructured final : public Object {
 public:
  Unstructured() = default;
  Unstructured(GroupVersionKind kind, ObjectMeta meta,
               nlohmann::json body = nlohmann::json::object());
  Unstructured(const Unstructured&) = default;
  Unstructured(Unstructured&&) = default;
  Unstructured& operator=(const Unstructured&) = default;
  Unstructured& operator=(Unstructured&&) = default;

  // Decodes a full object (apiVersion, kind, metadata, ...). BadRequest if malformed.
  static Result<Unstructured> FromJson(const nlohmann::json& j);

  // Everything but apiVersion, kind and metadata.
  nlohmann::json content = nlohmann::json::object();

  const GroupVersionKind& Kind() const override { return kind_; }

  void SetKind(GroupVersionKind kind) { kind_ = std::move(kind); }

  std::unique_ptr<Object> Clone() const override { return std::make_unique<Unstructured>(*this); }

  std::unique_ptr<Object> New() const override;
  bool Equals(const Object& other) const override;
  bool HasStatus() const override;

  friend bool operator==(const Unstructured& a, const Unstructured& b) {
    return a.kind_ == b.kind_ && a.metadata == b.metadata && a.content == b.content;
  }

 protected:
  void EncodeBody(nlohmann::json& j) const override;
  Result<void> DecodeBody(const nlohmann::json& j) override;

 private:
  GroupVersionKind kind_{};
};

using UnstructuredPtr = std::shared_ptr<const Unstructured>;

// Any object as Unstructured (through its JSON).
Unstructured ToUnstructured(const Object& obj);

}  // namespace bubble::runtime
