// net/src/tls.cc: PEM identities: loading, and a throwaway CA with certificates it issues, made
// with OpenSSL's X509 API. Randomness (keys, serials) comes from OpenSSL: this is the real-time
// side, never a simulated run.
#include "bubble/net/tls.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "bubble/net/error.h"
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace bubble::net {

namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

constexpr long kValiditySeconds = 365L * 24 * 3600;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  ERR_clear_error();
  return text.data();
}

void Check(bool ok, std::string_view what) {
  if (!ok) {
    throw NetError(fmt::format("cannot {}: {}", what, OpenSslError()));
  }
}

Key NewKey() {
  Key key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "generate an EC P-256 key");
  return key;
}

std::string KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write a private key as PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string CertPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert) == 1, "write a certificate as PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Cert ReadCert(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

Key ReadKey(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  Check(ext != nullptr, fmt::format("make the certificate extension {}", value));
  Check(X509_add_ext(cert, ext.get(), -1) == 1, "add a certificate extension");
}

struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;
};

// A certificate for `key` with `subject`, valid from an hour ago for a year, with a random
// serial, issued by `issuer` (null: self-issued). Not signed yet: extensions come first.
Cert NewCert(EVP_PKEY* key, const Subject& subject, X509* issuer) {
  Cert cert(X509_new());
  Check(cert != nullptr, "allocate a certificate");
  X509_set_version(cert.get(), 2);  // v3
  Bignum serial(BN_new());
  Check(serial != nullptr && BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
        "draw a certificate serial");
  Check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr,
        "set a certificate serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
  Check(X509_set_pubkey(cert.get(), key) == 1, "set a certificate's key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& org : subject.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(subject.common_name.c_str()),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1,
        "set a certificate's issuer");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  }
  return cert;
}

void Sign(X509* cert, EVP_PKEY* key) {
  Check(X509_sign(cert, key, EVP_sha256()) > 0, "sign a certificate");
}

std::string ReadFile(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw NetError(fmt::format("cannot read the TLS {} file {}: {}", what, path.string(),
                               std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TlsIdentity LoadTlsIdentity(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file,
                            const std::filesystem::path& ca_file) {
  TlsIdentity identity;
  identity.cert_pem = ReadFile(cert_file, "certificate");
  identity.key_pem = ReadFile(key_file, "key");
  Cert cert = ReadCert(identity.cert_pem);
  if (cert == nullptr) {
    ERR_clear_error();
    throw NetError(
        fmt::format("the TLS certificate file {} holds no PEM certificate (a "
                    "\"-----BEGIN CERTIFICATE-----\" block)",
                    cert_file.string()));
  }
  Key key = ReadKey(identity.key_pem);
  if (key == nullptr) {
    ERR_clear_error();
    throw NetError(
        fmt::format("the TLS key file {} holds no PEM private key (a \"-----BEGIN "
                    "PRIVATE KEY-----\" block, unencrypted)",
                    key_file.string()));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw NetError(
        fmt::format("the TLS key {} does not match the certificate {}: give the key "
                    "the certificate was issued for",
                    key_file.string(), cert_file.string()));
  }
  if (!ca_file.empty()) {
    identity.ca_pem = ReadFile(ca_file, "CA");
    if (ReadCert(identity.ca_pem) == nullptr) {
      ERR_clear_error();
      throw NetError(fmt::format("the TLS CA file {} holds no PEM certificate", ca_file.string()));
    }
  }
  return identity;
}

GeneratedTls GenerateTlsIdentity(const std::vector<std::string>& extra_names) {
  Key ca_key = NewKey();
  Cert ca = NewCert(ca_key.get(), {.common_name = "bubble-ca", .organizations = {}}, nullptr);
  AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  Sign(ca.get(), ca_key.get());

  Key key = NewKey();
  Cert cert =
      NewCert(key.get(), {.common_name = "bubble-apiserver", .organizations = {}}, ca.get());
  std::string sans = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const std::string& name : extra_names) {
    boost::system::error_code not_ip;
    boost::asio::ip::make_address(name, not_ip);
    sans += fmt::format(",{}:{}", not_ip ? "DNS" : "IP", name);
  }
  AddExtension(cert.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  AddExtension(cert.get(), ca.get(), NID_subject_alt_name, sans);
  Sign(cert.get(), ca_key.get());

  GeneratedTls out;
  out.ca = {.cert_pem = CertPem(ca.get()), .key_pem = KeyPem(ca_key.get())};
  out.server = {
      .cert_pem = CertPem(cert.get()), .key_pem = KeyPem(key.get()), .ca_pem = out.ca.cert_pem};
  return out;
}

TlsIdentity IssueClientCertificate(const CertificateAuthority& ca, std::string_view user,
                                   const std::vector<std::string>& groups) {
  Cert ca_cert = ReadCert(ca.cert_pem);
  Key ca_key = ReadKey(ca.key_pem);
  if (ca_cert == nullptr || ca_key == nullptr) {
    ERR_clear_error();
    throw NetError(
        "IssueClientCertificate: the CA's certificate or key is not PEM: pass the "
        "CertificateAuthority GenerateTlsIdentity made");
  }
  Key key = NewKey();
  Cert cert = NewCert(key.get(), {.common_name = std::string(user), .organizations = groups},
                      ca_cert.get());
  AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  Sign(cert.get(), ca_key.get());
  return {.cert_pem = CertPem(cert.get()), .key_pem = KeyPem(key.get()), .ca_pem = ca.cert_pem};
}

void WriteTextFile(const std::filesystem::path& path, std::string_view text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw NetError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
    out << text;
    if (!out.flush()) {
      throw NetError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
  }
}

}  // namespace bubble::net
