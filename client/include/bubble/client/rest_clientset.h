// client/include/bubble/client/rest_clientset.h
//
// RestClientset: runtime::Clientset over a real Kubernetes API server (or `bubble apiserver`),
// on the real-time loop. The same controllers, informers and leader election that run against
// the fake in a simulation run against a cluster through it.
//
//   auto result = net::RunRealTime([&] {
//     client::RestClientset cs({.server = "https://127.0.0.1:6443", .ca_pem = ca},
//                              runtime::Scheme::Builtin());
//     auto cm = cs.ConfigMaps("default").Get(sim::Context::Background(), "cm1", {});
//     if (!cm && runtime::IsNotFound(cm.error())) { ... }
//   });
//
// What it speaks: /api/v1/... and /apis/G/V/... (namespaced when the Scheme says so, or, for a
// resource it does not know, when a namespace is given), JSON bodies encoded from the objects and
// answers decoded through the Scheme (Unstructured for kinds without code), list options as
// query parameters, watches as streams read by a fiber of their own (stop them with Stop()),
// DeleteOptions bodies, patch content types (PatchTypeName). Streaming lists (WatchList) are
// opt-in: with RestConfig::watch_list, SupportsWatchList() is true and informers open one watch
// with sendInitialEvents=true and resourceVersionMatch=NotOlderThan instead of a LIST (and fall
// back to a LIST when the server refuses it). Status error bodies become
// runtime::Status with the server's reason and code, so the runtime's predicates and the
// reflector's relist on 410 Expired work as with the fake; a transport failure is a client-side
// Status (code 0; "connection refused" when it was, which the reflector retries).
//
// Client-side behaviour as client-go's: a token bucket (RestConfig::qps, burst) on the loop's
// clock before every request, and retries of reads (GET) answered 429 or 5xx with a Retry-After
// (the header, or the Status body's retryAfterSeconds), waiting as long as it says, up to
// RestConfig::max_retries; reads whose connection was reset are retried at once. The bearer
// token is re-read from RestConfig::token_file once it is token_file_reread_period old (a failed
// re-read keeps the old token, and is logged); as with client-go's bearer token file, a 401 does
// not force a re-read: the next request after the period carries the rotated token.
//
// Threading: create and use it from fibers of a bubble run by net::RunRealTime. Resource clients
// and watches keep the connection state alive (shared), so they may outlive the clientset.
#pragma once

#include <memory>
#include <string_view>

#include <bubble/client/rest_config.h>
#include <bubble/runtime/client.h>
#include <bubble/runtime/scheme.h>

namespace bubble::client {

namespace detail {
class RestTransport;
}

class RestClientset final : public runtime::Clientset {
 public:
  // Throws net::NetError naming the problem when `config.server` does not parse, or when an
  // https server is given both a ca_pem and insecure_skip_tls_verify (as client-go refuses).
  RestClientset(RestConfig config, runtime::Scheme scheme);
  ~RestClientset() override;
  RestClientset(const RestClientset&) = delete;
  RestClientset& operator=(const RestClientset&) = delete;

  runtime::ResourceClientPtr Resource(const runtime::GroupVersionResource& resource,
                                      std::string_view ns) override;

  const runtime::Scheme& GetScheme() const override { return *scheme_; }

  // RestConfig::watch_list: whether informers stream their initial list.
  bool SupportsWatchList() const override { return watch_list_; }

 private:
  std::shared_ptr<const runtime::Scheme> scheme_;
  bool watch_list_;
  std::shared_ptr<detail::RestTransport> transport_;
};

}  // namespace bubble::client
