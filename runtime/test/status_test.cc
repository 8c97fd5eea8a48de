#include "bubble/runtime/status.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bubble/runtime/group_version.h>

namespace rt = bubble::runtime;

TEST_CASE("status messages use apimachinery's wording", "[runtime][status]") {
  const rt::GroupResource cms{"", "configmaps"};
  const rt::GroupResource leases{"coordination.k8s.io", "leases"};
  CHECK(rt::NewNotFound(cms, "x").message == "configmaps \"x\" not found");
  CHECK(rt::NewNotFound(leases, "x").message == "leases.coordination.k8s.io \"x\" not found");
  CHECK(rt::NewAlreadyExists(cms, "x").message == "configmaps \"x\" already exists");
  CHECK(rt::NewStaleConflict(cms, "x").message ==
        "Operation cannot be fulfilled on configmaps \"x\": the object has been modified; "
        "please apply your changes to the latest version and try again");
  CHECK(rt::NewInternalError("boom").message == "Internal error occurred: boom");
  CHECK(rt::NewTimeoutError("slow", 1).message == "Timeout: slow");
  CHECK(rt::NewServerTimeout(leases, "update", 1).message ==
        "The update operation against leases.coordination.k8s.io could not be completed at "
        "this time, please try again.");
  CHECK(rt::NewForbidden(cms, "x", "no").message == "configmaps \"x\" is forbidden: no");
  CHECK(rt::NewMethodNotSupported(cms, "watch").message ==
        "watch is not supported on resources of kind \"configmaps\"");
  const rt::Status invalid =
      rt::NewInvalid({"", "ConfigMap"}, "",
                     {{"FieldValueRequired", "Required value: name or generateName is required",
                       "metadata.name"}});
  CHECK(invalid.message ==
        "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is "
        "required");
  CHECK(invalid.code == 422);
}

TEST_CASE("status codes and reasons match metav1", "[runtime][status]") {
  const rt::GroupResource cms{"", "configmaps"};
  CHECK(rt::NewNotFound(cms, "x").code == 404);
  CHECK(rt::NewAlreadyExists(cms, "x").code == 409);
  CHECK(rt::NewConflict(cms, "x", "y").code == 409);
  CHECK(rt::NewGone("g").code == 410);
  CHECK(rt::NewResourceExpired("e").code == 410);
  CHECK(rt::NewBadRequest("b").code == 400);
  CHECK(rt::NewTooManyRequests("t", 1).code == 429);
  CHECK(rt::NewTimeoutError("t", 1).code == 504);
  CHECK(rt::NewServiceUnavailable("s").code == 503);
  CHECK(rt::StatusReasonName(rt::StatusReason::kNotFound) == "NotFound");
  CHECK(rt::ParseStatusReason("Expired") == rt::StatusReason::kExpired);
  CHECK(rt::ParseStatusReason("nonsense") == rt::StatusReason::kUnknown);
}

TEST_CASE("predicates look at the reason, then at the code of unknown reasons",
          "[runtime][status]") {
  const rt::GroupResource cms{"", "configmaps"};
  CHECK(rt::IsNotFound(rt::NewNotFound(cms, "x")));
  CHECK_FALSE(rt::IsNotFound(rt::NewAlreadyExists(cms, "x")));
  CHECK(rt::IsConflict(rt::NewStaleConflict(cms, "x")));
  CHECK_FALSE(rt::IsConflict(rt::NewAlreadyExists(cms, "x")));  // same code, other reason
  CHECK(rt::IsAlreadyExists(rt::NewAlreadyExists(cms, "x")));
  CHECK(rt::IsGone(rt::NewGone("g")));
  CHECK(rt::IsResourceExpired(rt::NewResourceExpired("e")));
  CHECK_FALSE(rt::IsGone(rt::NewResourceExpired("e")));
  CHECK(rt::IsTooManyRequests(rt::NewTooManyRequests("t", 2)));
  CHECK(rt::IsServerTimeout(rt::NewServerTimeout(cms, "get", 1)));
  CHECK(rt::IsInternalError(rt::NewInternalError("x")));

  rt::Status code_only;
  code_only.code = 404;
  CHECK(rt::IsNotFound(code_only));
  code_only.code = 409;
  CHECK(rt::IsConflict(code_only));
  CHECK_FALSE(rt::IsAlreadyExists(code_only));
}

TEST_CASE("context errors are client-side statuses", "[runtime][status]") {
  const rt::Status s = rt::NewContextError(bubble::sim::ContextError::kDeadlineExceeded);
  CHECK(s.code == 0);
  CHECK(s.message == "context deadline exceeded");
  CHECK(rt::IsDeadlineExceeded(s));
  CHECK_FALSE(rt::IsContextCanceled(s));
  CHECK_FALSE(rt::IsInternalError(s));
  CHECK(fmt::format("{:v}", s) == "client: context deadline exceeded");
}

TEST_CASE("statuses format as their message, or verbosely with code and reason",
          "[runtime][status]") {
  const rt::Status s = rt::NewNotFound({"", "configmaps"}, "x");
  CHECK(fmt::format("{}", s) == "configmaps \"x\" not found");
  CHECK(fmt::format("{:v}", s) == "404 NotFound: configmaps \"x\" not found");
  const nlohmann::json j = s.ToJson();
  CHECK(j["kind"] == "Status");
  CHECK(j["reason"] == "NotFound");
  CHECK(j["code"] == 404);
  CHECK(j["details"]["name"] == "x");
  CHECK(j["details"]["kind"] == "configmaps");
}

TEST_CASE("Result carries values or statuses", "[runtime][status]") {
  auto f = [](bool ok) -> rt::Result<int> {
    if (!ok) {
      return rt::Err(rt::NewBadRequest("no"));
    }
    return 7;
  };
  CHECK(*f(true) == 7);
  REQUIRE_FALSE(f(false).has_value());
  CHECK(rt::IsBadRequest(f(false).error()));
  const rt::Result<void> v = rt::Ok();
  CHECK(v.has_value());
}

TEST_CASE("a Status read back from its JSON is the same Status, and a sloppy one is read leniently",
          "[runtime][status]") {
  const rt::Status statuses[] = {
      rt::NewNotFound({"", "configmaps"}, "x"),
      rt::NewInvalid(
          {"apps", "Deployment"}, "web",
          {{.type = "FieldValueRequired", .message = "Required value", .field = "spec.selector"}}),
      rt::NewTooManyRequests("slow down", 3),
      rt::NewInternalError("boom"),
  };
  for (const rt::Status& s : statuses) {
    CHECK(rt::Status::FromJson(s.ToJson(), 0) == s);
  }
  // No code: the HTTP response's; members of the wrong type are left empty, not an error.
  const nlohmann::json sloppy = {{"kind", "Status"},
                                 {"reason", 42},
                                 {"message", "gone"},
                                 {"details", {{"name", 7}, {"retryAfterSeconds", "soon"}}}};
  const rt::Status read = rt::Status::FromJson(sloppy, 410);
  CHECK(read.code == 410);
  CHECK(read.reason == rt::StatusReason::kUnknown);
  CHECK(read.message == "gone");
  CHECK(read.details.name.empty());
  CHECK(read.details.retry_after_seconds == 0);
}
