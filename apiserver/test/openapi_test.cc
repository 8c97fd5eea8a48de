// /openapi/v2 and /version: the documents kubectl decodes.
#include "openapi.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "version_info.h"

namespace api = bubble::apiserver::detail;

namespace {

// A protobuf reader for length-delimited fields only (all the document has): field number ->
// bytes. Fails the test on any other wire type or a truncated field.
std::map<std::uint32_t, std::string> ReadFields(std::string_view bytes) {
  auto varint = [&](std::size_t& pos) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      REQUIRE(pos < bytes.size());
      const auto b = static_cast<std::uint8_t>(bytes[pos++]);
      v |= std::uint64_t{b & 0x7fU} << shift;
      if ((b & 0x80U) == 0) {
        return v;
      }
    }
  };
  std::map<std::uint32_t, std::string> fields;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::uint64_t key = varint(pos);
    REQUIRE((key & 7U) == 2);  // length-delimited
    const std::uint64_t len = varint(pos);
    REQUIRE(pos + len <= bytes.size());
    fields[static_cast<std::uint32_t>(key >> 3)] = std::string(bytes.substr(pos, len));
    pos += len;
  }
  return fields;
}

}  // namespace

TEST_CASE("the OpenAPI protobuf is a gnostic Document with swagger, info and no definitions",
          "[apiserver][openapi]") {
  const std::string doc = api::OpenApiV2Protobuf();
  auto fields = ReadFields(doc);
  CHECK(fields.size() == 3);
  CHECK(fields[1] == "2.0");          // swagger
  CHECK(fields[8].empty());           // paths: present, empty
  CHECK(!fields.contains(9));         // no definitions: kubectl skips validation
  auto info = ReadFields(fields[2]);  // info
  CHECK(info[1] == "Kubernetes");
  CHECK(info[2] == api::GitVersion());
  // The exact bytes, so a change to the encoder is seen: 0x0a = field 1, wire type 2.
  CHECK(doc.substr(0, 5) == std::string("\x0a\x03"
                                        "2.0",
                                        5));
}

TEST_CASE("the OpenAPI JSON is the same document", "[apiserver][openapi]") {
  const auto j = api::OpenApiV2Json();
  CHECK(j["swagger"] == "2.0");
  CHECK(j["info"]["version"] == api::GitVersion());
  CHECK(j["definitions"].empty());
  CHECK(j["paths"].empty());
}

TEST_CASE("kubectl's Accept header selects the protobuf form", "[apiserver][openapi]") {
  CHECK(api::WantsOpenApiProtobuf(api::kOpenApiProtobufType));
  CHECK_FALSE(api::WantsOpenApiProtobuf("application/json"));
  CHECK_FALSE(api::WantsOpenApiProtobuf(""));
}

TEST_CASE("/version answers as Kubernetes 1.20 with bubble's version", "[apiserver][version]") {
  const auto v = api::VersionInfo();
  CHECK(v["major"] == "1");
  CHECK(v["minor"] == "20");
  CHECK(api::GitVersion().starts_with("v1.20.0-bubble."));
  CHECK(v["gitVersion"] == api::GitVersion());
  for (const char* key :
       {"gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"}) {
    INFO(key);
    CHECK(v[key].is_string());
    CHECK(!v[key].get<std::string>().empty());
  }
}
