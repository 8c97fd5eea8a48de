#include "bubble/runtime/label_selector.h"

#include <catch2/catch.hpp>

namespace rt = bubble::runtime;

namespace {

bool Selects(std::string_view selector, const rt::Labels& labels) {
  const auto sel = rt::LabelSelector::Parse(selector);
  REQUIRE(sel.has_value());
  return sel->Matches(labels);
}

}  // namespace

TEST_CASE("label selectors match as Kubernetes does", "[runtime][selector]") {
  const rt::Labels web{{"app", "web"}, {"tier", "front"}, {"replicas", "3"}};
  const rt::Labels none;
  CHECK(Selects("", web));
  CHECK(Selects("", none));
  CHECK(Selects("app=web", web));
  CHECK(Selects("app==web", web));
  CHECK_FALSE(Selects("app=db", web));
  CHECK(Selects("app!=db", web));
  CHECK(Selects("app!=db", none));  // != matches objects without the label
  CHECK_FALSE(Selects("app!=web", web));
  CHECK(Selects("tier in (front,back)", web));
  CHECK_FALSE(Selects("tier in (back)", web));
  CHECK(Selects("tier notin (back)", web));
  CHECK(Selects("tier notin (back)", none));
  CHECK(Selects("app", web));
  CHECK_FALSE(Selects("app", none));
  CHECK(Selects("!canary", web));
  CHECK_FALSE(Selects("!app", web));
  CHECK(Selects("replicas>2", web));
  CHECK_FALSE(Selects("replicas<2", web));
  CHECK(Selects("app=web,tier in (front),!canary", web));
  CHECK_FALSE(Selects("app=web,tier=back", web));
  CHECK(Selects("  app = web ,  tier in(front)  ", web));
  CHECK(Selects("app=", rt::Labels{{"app", ""}}));
  CHECK(Selects("example.com/role=x", rt::Labels{{"example.com/role", "x"}}));
}

TEST_CASE("label selectors print in canonical form", "[runtime][selector]") {
  const auto sel = rt::LabelSelector::Parse("tier in (front, back),app=web,!canary");
  REQUIRE(sel.has_value());
  CHECK(sel->String() == "app=web,!canary,tier in (back,front)");
  CHECK(rt::LabelSelector::FromSet({{"a", "1"}, {"b", "2"}}).String() == "a=1,b=2");
  CHECK(rt::LabelSelector().Empty());
}

TEST_CASE("malformed label selectors are BadRequest with a clear message", "[runtime][selector]") {
  const auto [text, fragment] = GENERATE(table<std::string, std::string>({
      {"app in (web", "found end of input, expected ',' or ')'"},
      {"app in web", "found 'web', expected '(' after 'in'"},
      {"app in ()", "the value set of 'in' can't be empty"},
      {"=web", "found '=', expected a label key or '!'"},
      {"!", "found end of input, expected a label key after '!'"},
      {"app=web=db", "found '=', expected ',' or end of input"},
      {"app web", "found 'web', expected one of"},
      {"replicas>x", "expected an integer after '>'"},
      {"-bad=1", "invalid label key \"-bad\""},
      {"app=bad value!", "found 'value', expected ',' or end of input"},
      {"app=-x", "invalid label value \"-x\""},
      {"app,,tier", "found ',', expected a label key or '!'"},
  }));
  CAPTURE(text);
  const auto sel = rt::LabelSelector::Parse(text);
  REQUIRE_FALSE(sel.has_value());
  CHECK(rt::IsBadRequest(sel.error()));
  CHECK_THAT(sel.error().message, Catch::Matchers::Contains("unable to parse label selector"));
  CHECK_THAT(sel.error().message, Catch::Matchers::Contains(fragment));
}

TEST_CASE("label keys and values are validated", "[runtime][selector]") {
  CHECK(rt::ValidateLabelKey("app").has_value());
  CHECK(rt::ValidateLabelKey("app.kubernetes.io/name").has_value());
  CHECK_FALSE(rt::ValidateLabelKey("Bad_Prefix.com/x").has_value());
  CHECK_FALSE(rt::ValidateLabelKey(std::string(64, 'a')).has_value());
  CHECK(rt::ValidateLabelValue("").has_value());
  CHECK_FALSE(rt::ValidateLabelValue("a b").has_value());
}
