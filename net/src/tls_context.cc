// net/src/tls_context.cc
#include "tls_context.h"

#include <boost/asio/buffer.hpp>
#include <boost/system/system_error.hpp>
#include <fmt/format.h>

#include "bubble/net/error.h"
#include <openssl/ssl.h>
#include <openssl/x509.h>

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
                                        std::string_view key_pem, bool verify_server) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_options(kTlsOptions);
  if (!verify_server) {
    // client-go's TLSConfigFor refuses the pair too: the CA would never be consulted.
    if (!ca_pem.empty()) {
      throw NetError(
          "ca_pem and insecure_skip_tls_verify are both set, but a server that is not verified "
          "is never checked against a CA: keep one of them");
    }
    ctx.set_verify_mode(asio::ssl::verify_none);
  } else if (ca_pem.empty()) {
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(asio::ssl::verify_peer);
  } else {
    Load("CA", [&] { ctx.add_certificate_authority(asio::buffer(ca_pem)); });
    ctx.set_verify_mode(asio::ssl::verify_peer);
  }
  if (!cert_pem.empty() && !key_pem.empty()) {
    UseIdentity(ctx, cert_pem, key_pem);
  }
  return ctx;
}

PeerSubject VerifiedPeerSubject(SSL* ssl) {
  PeerSubject subject;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
    return subject;
  }
  const X509_NAME* name = X509_get_subject_name(cert);
  auto text = [](const X509_NAME_ENTRY* entry) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                       static_cast<std::size_t>(ASN1_STRING_length(data)));
  };
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    subject.common_name = text(X509_NAME_get_entry(name, i));
  }
  for (int i = X509_NAME_get_index_by_NID(name, NID_organizationName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) {
    subject.organizations.push_back(text(X509_NAME_get_entry(name, i)));
  }
  return subject;
}

}  // namespace bubble::net::detail
