// runtime/include/bubble/runtime/base64.h: standard base64 (RFC 4648, padded), as Go's
// encoding/json writes []byte (ConfigMap binaryData, Secret data, kubeconfig *-data fields).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bubble::runtime {

std::string Base64Encode(std::string_view bytes);
// nullopt on malformed input (no whitespace is skipped).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace bubble::runtime
