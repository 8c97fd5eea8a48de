// apiserver/src/openapi.cc
#include "openapi.h"

#include <cstdint>

#include "version_info.h"

namespace bubble::apiserver::detail {

namespace {

constexpr const char* kTitle = "Kubernetes";

// Protobuf wire format: a field is a key (field number << 3 | wire type) then the value; wire
// type 2 (length-delimited) is a varint length then the bytes: strings and embedded messages.
constexpr std::uint32_t kLengthDelimited = 2;

void AppendVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void AppendBytesField(std::string& out, std::uint32_t field, std::string_view bytes) {
  AppendVarint(out, (std::uint64_t{field} << 3) | kLengthDelimited);
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

// openapi_v2 field numbers (gnostic's OpenAPIv2.proto).
constexpr std::uint32_t kDocumentSwagger = 1;
constexpr std::uint32_t kDocumentInfo = 2;
constexpr std::uint32_t kDocumentPaths = 8;
constexpr std::uint32_t kInfoTitle = 1;
constexpr std::uint32_t kInfoVersion = 2;

}  // namespace

nlohmann::json OpenApiV2Json() {
  return {
      {"swagger", "2.0"},
      {"info", {{"title", kTitle}, {"version", GitVersion()}}},
      {"paths", nlohmann::json::object()},
      {"definitions", nlohmann::json::object()},
  };
}

std::string OpenApiV2Protobuf() {
  std::string info;
  AppendBytesField(info, kInfoTitle, kTitle);
  AppendBytesField(info, kInfoVersion, GitVersion());
  std::string doc;
  AppendBytesField(doc, kDocumentSwagger, "2.0");
  AppendBytesField(doc, kDocumentInfo, info);
  AppendBytesField(doc, kDocumentPaths, {});
  return doc;
}

bool WantsOpenApiProtobuf(std::string_view accept) {
  // client-go sends exactly kOpenApiProtobufType; any Accept naming protobuf gets it.
  return accept.find("protobuf") != std::string_view::npos;
}

}  // namespace bubble::apiserver::detail
