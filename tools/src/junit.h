// tools/src/junit.h
//
// JUnit XML, the dialect every CI system reads (Jenkins, GitLab, GitHub actions' reporters):
// <testsuites><testsuite name tests failures><testcase classname name><failure message>text
// </failure></testcase>...</testsuite></testsuites>.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace bubble::tools {

struct JUnitCase {
  std::string classname;  // "bubble.conflicting-writers"
  std::string name;       // "seed 7 (pct d=2)"
  // Set for a failed case: a one-line message and the full text (report, replay command).
  std::optional<std::string> failure_message{};
  std::string failure_text{};
};

struct JUnitSuite {
  std::string name;
  std::vector<JUnitCase> cases;
};

// Escapes &, <, >, ", ' and drops characters XML 1.0 cannot carry.
std::string XmlEscape(std::string_view text);

void WriteJUnit(std::ostream& out, const std::vector<JUnitSuite>& suites);

}  // namespace bubble::tools
