// tools/test/junit_test.cc
#include "junit.h"

#include <sstream>

#include <catch2/catch.hpp>

namespace t = bubble::cli;

TEST_CASE("XmlEscape escapes markup and drops control characters", "[tools][junit]") {
  CHECK(t::XmlEscape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&apos;");
  CHECK(t::XmlEscape(std::string("x\x01y\n", 4)) == "xy\n");
}

TEST_CASE("WriteJUnit writes suites, cases and failures with counts and times", "[tools][junit]") {
  std::ostringstream out;
  t::WriteJUnit(
      out, {{.name = "s<1>",
             .cases = {{.classname = "bubble.s", .name = "seed 1 (random)", .time_seconds = 0.25},
                       {.classname = "bubble.s",
                        .name = "seed 2 (pct d=2)",
                        .failure_message = "invariant: lost <update>",
                        .failure_text = "report & replay",
                        .time_seconds = 1.5}}}});
  const std::string xml = out.str();
  CHECK(xml ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"bubble\" tests=\"2\" failures=\"1\" time=\"1.750\">\n"
        "  <testsuite name=\"s&lt;1&gt;\" tests=\"2\" failures=\"1\" errors=\"0\" "
        "time=\"1.750\">\n"
        "    <testcase classname=\"bubble.s\" name=\"seed 1 (random)\" time=\"0.250\"/>\n"
        "    <testcase classname=\"bubble.s\" name=\"seed 2 (pct d=2)\" time=\"1.500\">\n"
        "      <failure message=\"invariant: lost &lt;update&gt;\">report &amp; "
        "replay</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}
