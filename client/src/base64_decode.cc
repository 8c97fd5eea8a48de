// client/src/base64_decode.cc: OpenSSL's decoder, already linked for TLS, rather than another
// hand-written one.
#include "base64_decode.h"

#include <cctype>

#include <openssl/evp.h>

namespace bubble::client::detail {

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string compact;
  compact.reserve(text.size());
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      compact.push_back(c);
    }
  }
  if (compact.size() % 4 != 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock decodes whole groups of four and counts padding as zero bytes.
  std::size_t padding = 0;
  for (auto it = compact.rbegin(); it != compact.rend() && *it == '=' && padding < 2; ++it) {
    ++padding;
  }
  std::string bytes(compact.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0 || static_cast<std::size_t>(written) != bytes.size()) {
    return std::nullopt;
  }
  bytes.resize(bytes.size() - padding);
  return bytes;
}

}  // namespace bubble::client::detail
