// net/src/tls_context.h: Asio TLS contexts from PEM identities (for the server and the client).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "bubble/net/tls.h"

namespace bubble::net::detail {

// TLS 1.2 and later. With identity.ca_pem set, a client certificate is asked for (not required)
// and verified against it. Throws NetError if the identity does not load.
boost::asio::ssl::context MakeServerTlsContext(const TlsIdentity& identity);

// Verifies the server against `ca_pem` (the system's CAs when empty), or, without
// `verify_server`, not at all (then `ca_pem` must be empty: NetError otherwise); presents
// `cert_pem` and `key_pem` when both are set.
boost::asio::ssl::context MakeClientTlsContext(std::string_view ca_pem, std::string_view cert_pem,
                                               std::string_view key_pem, bool verify_server);

struct PeerSubject {
  std::string common_name;
  std::vector<std::string> organizations;
};

// The subject of the certificate the peer presented, if OpenSSL verified it; empty otherwise.
PeerSubject VerifiedPeerSubject(SSL* ssl);

}  // namespace bubble::net::detail
