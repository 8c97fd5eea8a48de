// net/src/tls_context.cc
#include "tls_context.h"

#include <boost/asio/buffer.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>

#include "bubble/net/error.h"

namespace bubble::net::detail {

namespace asio = boost::asio;

namespace {

constexpr auto kTlsOptions = asio::ssl::context::default_workarounds |
                             asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                             asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                             asio::ssl::context::single_dh_use;

template <class F>
void Load(std::string_view what, F&& load) {
  try {
    load();
  } catch (const boost::system::system_error& e) {
    throw NetError(
        fmt::format("cannot load the TLS {}: {} (give PEM text: a file that begins "
                    "with -----BEGIN)",
                    what, e.code().message()));
  }
}

void UseIdentity(asio::ssl::context& ctx, std::string_view cert_pem, std::string_view key_pem) {
  Load("certificate", [&] { ctx.use_certificate_chain(asio::buffer(cert_pem)); });
  Load("private key", [&] { ctx.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem); });
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    throw NetError(
        "the TLS private key does not match the certificate: give the key the "
        "certificate was issued for");
  }
}

}  // namespace

asio::ssl::context MakeServerTlsContext(const TlsIdentity& identity) {
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  ctx.set_options(kTlsOptions);
  UseIdentity(ctx, identity.cert_pem, identity.key_pem);
  if (!identity.ca_pem.empty()) {
    Load("client CA", [&] { ctx.add_certificate_authority(asio::buffer(identity.ca_pem)); });
    // Asked for, not required: a client may authenticate another way (a token).
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  return ctx;
}

asio::ssl::context MakeClientTlsContext(std::string_view ca_pem, std::string_view cert_pem,
                                        std::string_view key_pem) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(kTlsOptions);
  if (ca_pem.empty()) {
    ctx.set_default_verify_paths();
  } else {
    Load("CA", [&] { ctx.add_certificate_authority(asio::buffer(ca_pem)); });
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  if (!cert_pem.empty() && !key_pem.empty()) {
    UseIdentity(ctx, cert_pem, key_pem);
  }
  return ctx;
}

}  // namespace bubble::net::detail
