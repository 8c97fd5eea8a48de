// client/include/bubble/client/loaded_config.h
//
// LoadedConfig: where a client connects and how it authenticates, as read from a kubeconfig or
// from a pod's service account (client-go's rest.Config, the part of it bubble supports). Plain
// data: certificates and keys are PEM text already read from their files, so a client never
// opens a file except `token_file`, which it re-reads as the token rotates (FileTokenSource).
#pragma once

#include <string>

namespace bubble::client {

struct LoadedConfig {
  std::string server{};           // e.g. "https://10.0.0.1:443"; no trailing path is added
  std::string ca_pem{};           // CAs that verify the server; "" : the system's roots
  std::string client_cert_pem{};  // a client certificate and its key, or both ""
  std::string client_key_pem{};
  std::string bearer_token{};  // the token as read when the configuration was loaded
  std::string token_file{};    // "" or the file `bearer_token` came from, re-read when it rotates
  std::string tls_server_name{};          // the name to verify the server's certificate against
  bool insecure_skip_tls_verify = false;  // the server's certificate is not verified at all
  double qps = 5;                         // client-go's defaults for the client's rate limiter
  int burst = 10;
  std::string namespace_name = "default";  // the context's namespace (or the pod's)
  std::string context_name{};              // the kubeconfig context used; "" for in-cluster
};

}  // namespace bubble::client
