// net/include/bubble/net/tls.h
//
// TLS identities as PEM text: a server's (or client's) certificate chain and key, and the CA that
// verifies the other side. Load them from files, or generate a throwaway CA with a server
// certificate for localhost (what `bubble apiserver` does when given no certificate), and issue
// client certificates from that CA (CN = user, O = groups, as kube-apiserver reads them).
//
//   net::GeneratedTls tls = net::GenerateTlsIdentity({"bubble.local"});
//   net::HttpServer server({.listen = "127.0.0.1:0", .tls = tls.server}, handler);
//   net::WriteTextFile(dir / "ca.pem", tls.ca.cert_pem);     // for kubectl's kubeconfig
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bubble::net {

struct TlsIdentity {
  std::string cert_pem{};  // the certificate, then any intermediates
  std::string key_pem{};   // its private key
  std::string ca_pem{};    // CAs that verify the peer ("" : the peer is not verified by a server)
};

struct CertificateAuthority {
  std::string cert_pem{};
  std::string key_pem{};
};

struct GeneratedTls {
  CertificateAuthority ca{};
  TlsIdentity server{};  // signed by `ca`; server.ca_pem is ca.cert_pem
};

// Reads PEM files. Throws NetError naming the file when one is missing, is not PEM, or when the
// key does not match the certificate. `ca_file` may be empty.
TlsIdentity LoadTlsIdentity(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file,
                            const std::filesystem::path& ca_file = {});

// A fresh CA (EC P-256, valid a year) and a server certificate it signed, with subject
// alternative names localhost, 127.0.0.1, ::1 and each of `extra_names` (an IP address
// literal becomes an IP SAN, anything else a DNS one).
GeneratedTls GenerateTlsIdentity(const std::vector<std::string>& extra_names = {});

// A client certificate signed by `ca` with CN = user and one O per group (kube-apiserver's
// x509 authenticator reads them as the user name and groups). ca_pem is ca.cert_pem.
TlsIdentity IssueClientCertificate(const CertificateAuthority& ca, std::string_view user,
                                   const std::vector<std::string>& groups = {});

// Writes `text` to `path` (mode 0600: keys are secrets). Throws NetError if it cannot.
void WriteTextFile(const std::filesystem::path& path, std::string_view text);

}  // namespace bubble::net
