// apiserver/include/bubble/apiserver/rest_handler.h
//
// RestHandler: the fake API server (a fake::Clientset) over the Kubernetes REST API, as kubectl
// and client-go speak it (docs/semantics.md §1.16). The HTTP server (net::HttpServer) calls
// Serve() once per request on a fiber of the bubble that owns the clientset; tests call it
// directly with an in-memory responder.
//
//   auto server = fake::NewClientset(runtime::ConfigMap({.name = "cm1", .namespace_ = "default"}));
//   apiserver::RestHandler rest(server);
//   net::HttpServer http(loop, {.port = 8080}, [&](const net::HttpRequest& req,
//                                                  net::HttpResponder& out) {
//     rest.Serve(req, out);   // kubectl --server http://127.0.0.1:8080 get configmaps -A
//   });
//
//   apiserver::RestHandler frozen(server, {.read_only = true,
//                                          .read_only_reason = "seed 7 ended at 00:05:00"});
//
// What it serves: discovery, /version, /openapi/v2 and health checks; get, list (selectors,
// paging with continue tokens), watch (chunked, with bookmarks and timeouts), create, update,
// patch (merge, strategic merge, JSON patch), delete, deletecollection and the status
// subresource of every resource the catalogue knows, with Table output for `kubectl get`. Every
// outcome is an HTTP response; errors carry a metav1.Status body.
//
// Every call into the clientset is made on the calling fiber with the responder's Context(), so
// a client that leaves cancels what it waits for. An API request is one such call, through the
// fake's pipeline (latency, faults: flaky_server.h); what the handler reads on the server's side
// (stored CRDs, the state around a delete or a strategic merge patch) runs the reactor chain
// only, so discovery and those reads never meet an injected fault.
//
// Threading: fibers of the bubble that owns the clientset; Serve() may run on many fibers at
// once (the continue tokens are shared state, changed only between scheduling points).
// Determinism: the only random draw (a watch's default timeout) comes from sim::Rand().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <bubble/fake/clientset.h>
#include <bubble/net/http_exchange.h>
#include <bubble/sim/clock.h>

namespace bubble::apiserver {

struct RestOptions {
  // A finished run's state: every write is answered 405 MethodNotAllowed naming the reason.
  bool read_only = false;
  // Why the server is read-only, quoted in the 405 ("the run of seed 7 ended at 00:05:00").
  std::string read_only_reason{};
  // The instant a frozen state shows (`bubble run --serve`): Table output counts ages (AGE, LAST
  // SEEN) to it, not to the loop's now, so a run's objects read "5s" rather than "26y". Unset:
  // the loop's now (a live server).
  std::optional<sim::TimePoint> shown_at{};
  // A watch without timeoutSeconds ends after a duration drawn uniformly in [min, 2 min), as
  // kube-apiserver's --min-request-timeout (which defaults to 30 minutes; bubble's loop is
  // shorter-lived, so 5).
  sim::Duration min_request_timeout = std::chrono::minutes(5);
  // A watch that allows bookmarks gets one this often.
  sim::Duration bookmark_interval = std::chrono::minutes(1);
  // A list's continue token stays valid this long after the first page (etcd's compaction
  // interval is 5 minutes)...
  sim::Duration continue_ttl = std::chrono::minutes(5);
  // ...and at most this many paged lists are kept at once (the oldest goes first).
  std::size_t max_paged_lists = 64;
  // Larger request bodies are answered 413 (kube-apiserver: 3 MiB).
  std::size_t max_body_bytes = 3 * 1024 * 1024;
};

class RestHandler {
 public:
  explicit RestHandler(std::shared_ptr<fake::Clientset> server, RestOptions options = {});
  RestHandler(const RestHandler&) = delete;
  RestHandler& operator=(const RestHandler&) = delete;
  ~RestHandler();

  // Answers one request (see the header comment); never throws for a bad request.
  void Serve(const net::HttpRequest& request, net::HttpResponder& response);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace bubble::apiserver
