#include "bubble/runtime/field_selector.h"

#include <catch2/catch.hpp>

#include <bubble/runtime/config_map.h>
#include <bubble/runtime/pod.h>

namespace rt = bubble::runtime;

TEST_CASE("field selectors match metadata and kind fields", "[runtime][selector]") {
  const rt::ConfigMap cm({.name = "cm1", .namespace_ = "default"});
  rt::Pod pod({.name = "p", .namespace_ = "ns"});
  pod.spec.node_name = "node-1";
  pod.status.phase = "Running";

  auto matches = [](std::string_view text, const rt::Object& obj) {
    const auto sel = rt::FieldSelector::Parse(text);
    REQUIRE(sel.has_value());
    const auto m = sel->Matches(obj);
    REQUIRE(m.has_value());
    return *m;
  };
  CHECK(matches("", cm));
  CHECK(matches("metadata.name=cm1", cm));
  CHECK(matches("metadata.name==cm1,metadata.namespace=default", cm));
  CHECK_FALSE(matches("metadata.name!=cm1", cm));
  CHECK(matches("metadata.namespace!=kube-system", cm));
  CHECK(matches("spec.nodeName=node-1,status.phase=Running", pod));
  CHECK_FALSE(matches("status.phase=Pending", pod));
  CHECK(matches("spec.nodeName=", rt::Pod({.name = "unscheduled"})));
}

TEST_CASE("unsupported fields and bad syntax are BadRequest", "[runtime][selector]") {
  const rt::ConfigMap cm({.name = "cm1"});
  const auto sel = rt::FieldSelector::Parse("spec.nodeName=x");
  REQUIRE(sel.has_value());
  const auto m = sel->Matches(cm);
  REQUIRE_FALSE(m.has_value());
  CHECK(m.error().message == "field label not supported: spec.nodeName");
  CHECK_FALSE(sel->Validate(cm).has_value());

  const auto bad = rt::FieldSelector::Parse("metadata.name");
  REQUIRE_FALSE(bad.has_value());
  CHECK(rt::IsBadRequest(bad.error()));
  CHECK(bad.error().message ==
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  CHECK_FALSE(rt::FieldSelector::Parse("metadata.name=a\\qb").has_value());
}

TEST_CASE("field selector values unescape and print escaped", "[runtime][selector]") {
  const auto sel = rt::FieldSelector::Parse("metadata.name=a\\,b");
  REQUIRE(sel.has_value());
  REQUIRE(sel->Requirements().size() == 1);
  CHECK(sel->Requirements()[0].value == "a,b");
  CHECK(sel->String() == "metadata.name=a\\,b");
}
