// client/src/base64_decode.h (private): the base64 of kubeconfig's *-data fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bubble::client::detail {

// Standard padded base64 (RFC 4648) with line breaks and spaces ignored, as Go's decoder reads
// kubeconfig's []byte fields. nullopt on malformed input.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace bubble::client::detail
