// client/include/bubble/client/rest_config.h
//
// RestConfig: how to reach one Kubernetes API server and who to be there (client-go's
// rest.Config, the part this client uses). A plain struct: kubeconfig files and in-cluster
// service accounts are read elsewhere and produce one of these.
//
//   client::RestConfig config{.server = "https://127.0.0.1:6443",
//                             .ca_pem = ca,
//                             .bearer_token = token};
//   client::RestClientset cs(config, runtime::Scheme::Builtin());
#pragma once

#include <chrono>
#include <string>

namespace bubble::client {

struct RestConfig {
  // "https://host:port" or "http://host:port", optionally with a path prefix
  // ("https://proxy:8443/k8s"). Without a port: 443 for https, 80 for http.
  std::string server{};
  // https: the CAs that verify the server (PEM); "": the system's.
  std::string ca_pem{};
  // https: a client certificate and its key (PEM) to present; both or neither.
  std::string client_cert_pem{};
  std::string client_key_pem{};
  // Sent as "Authorization: Bearer <token>" when set.
  std::string bearer_token{};
  // The file `bearer_token` was read from, re-read once the token is `token_file_reread_period`
  // old (a pod's projected service account token rotates): FileTokenSource. "": the token never
  // changes.
  std::string token_file{};
  // How old the held token gets before `token_file` is read again: client-go's minute. Shorter
  // only in tests (a re-read is a file read on the loop); 0: before every request.
  std::chrono::milliseconds token_file_reread_period{60'000};
  // The name the server's certificate must carry (and SNI); "": the host of `server`.
  std::string tls_server_name{};
  // https: do not verify the server at all, neither its certificate nor its name (kubeconfig's
  // insecure-skip-tls-verify, client-go's TLSClientConfig.Insecure). What it costs: the traffic
  // is encrypted to whoever answers, so anyone on the path can pose as the API server, read the
  // bearer token and answer as it likes. The client logs a warning once. Refused with a ca_pem
  // (net::NetError), as client-go refuses it; ignored over http.
  bool insecure_skip_tls_verify = false;
  // The client-side rate limit (client-go's defaults): requests per second and burst. A watch
  // counts once, when it starts. qps <= 0: no client-side limit.
  double qps = 5;
  int burst = 10;
  // Bounds each request but a watch's stream (client-go's Timeout); 0: none (the caller's
  // context still bounds every call).
  std::chrono::milliseconds timeout{0};
  // Sent as User-Agent; "": "bubble-client".
  std::string user_agent{};
  // Retries of an idempotent read answered 429 or 5xx with a Retry-After (client-go: 10).
  int max_retries = 10;
  // Streaming lists (WatchList): RestClientset::SupportsWatchList() says this, so informers
  // built on the clientset (ListWatchFromClient, InformerFactory) open one watch with
  // sendInitialEvents instead of a LIST then a watch. client-go's WatchListClient feature gate,
  // which is off in the client-go versions most controllers build with (before 1.35), hence off
  // here. Turn it on only against servers that serve WatchList (kube-apiserver 1.32+ by default,
  // `bubble apiserver`) or reject it (422 from 1.19 on, after which the reflector lists): a
  // server that ignores sendInitialEvents never sends the end bookmark, and the informer never
  // syncs (docs/api.md, "WatchList").
  bool watch_list = false;
};

}  // namespace bubble::client
