// runtime/src/base64.h (private): standard base64 (RFC 4648, padded), as Go's encoding/json
// writes []byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bubble::runtime::detail {

std::string Base64Encode(std::string_view bytes);
// nullopt on malformed input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace bubble::runtime::detail
