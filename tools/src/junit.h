// tools/src/junit.h
//
// JUnit XML, the dialect every CI system reads (Jenkins, GitLab, GitHub actions' reporters):
// <testsuites tests failures time><testsuite name tests failures time>[<properties>...]<testcase
// classname name time><failure message>text</failure></testcase>...[<system-out>][<system-err>]
// </testsuite></testsuites>.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bubble::cli {

struct JUnitCase {
  std::string classname;  // "bubble.conflicting-writers"
  std::string name;       // "seed 7 (pct d=2)"
  // Set for a failed case: a one-line message and the full text (report, replay command).
  std::optional<std::string> failure_message{};
  std::string failure_text{};
  double time_seconds = 0;  // the run's wall time: the "time" attribute
};

struct JUnitSuite {
  std::string name;
  std::vector<JUnitCase> cases;  // the suite's time is the sum of its cases'
  // <properties><property name value/>...</properties>, before the cases.
  std::vector<std::pair<std::string, std::string>> properties{};
  std::string system_out{};  // <system-out> after the cases, when not empty
  std::string system_err{};  // <system-err>, when not empty
};

// Escapes &, <, >, ", ' and drops characters XML 1.0 cannot carry.
std::string XmlEscape(std::string_view text);

void WriteJUnit(std::ostream& out, const std::vector<JUnitSuite>& suites);

}  // namespace bubble::cli
