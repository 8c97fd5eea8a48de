// tools/src/junit.cc
#include "junit.h"

#include <ostream>

#include <fmt/format.h>

namespace bubble::cli {

namespace {

// Seconds with millisecond precision ("0.042"), as JUnit readers expect.
std::string Seconds(double s) {
  return fmt::format("{:.3f}", s < 0 ? 0.0 : s);
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          break;  // not allowed in XML 1.0
        }
        out += c;
    }
  }
  return out;
}

void WriteJUnit(std::ostream& out, const std::vector<JUnitSuite>& suites) {
  std::size_t tests = 0;
  std::size_t failures = 0;
  double time = 0;
  for (const JUnitSuite& s : suites) {
    for (const JUnitCase& c : s.cases) {
      ++tests;
      failures += c.failure_message ? 1 : 0;
      time += c.time_seconds;
    }
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"bubble\" tests=\"" << tests << "\" failures=\"" << failures
      << "\" time=\"" << Seconds(time) << "\">\n";
  for (const JUnitSuite& s : suites) {
    std::size_t f = 0;
    double t = 0;
    for (const JUnitCase& c : s.cases) {
      f += c.failure_message ? 1 : 0;
      t += c.time_seconds;
    }
    out << "  <testsuite name=\"" << XmlEscape(s.name) << "\" tests=\"" << s.cases.size()
        << "\" failures=\"" << f << "\" errors=\"0\" time=\"" << Seconds(t) << "\">\n";
    if (!s.properties.empty()) {
      out << "    <properties>\n";
      for (const auto& [name, value] : s.properties) {
        out << "      <property name=\"" << XmlEscape(name) << "\" value=\"" << XmlEscape(value)
            << "\"/>\n";
      }
      out << "    </properties>\n";
    }
    for (const JUnitCase& c : s.cases) {
      out << "    <testcase classname=\"" << XmlEscape(c.classname) << "\" name=\""
          << XmlEscape(c.name) << "\" time=\"" << Seconds(c.time_seconds) << "\"";
      if (!c.failure_message) {
        out << "/>\n";
        continue;
      }
      out << ">\n      <failure message=\"" << XmlEscape(*c.failure_message) << "\">"
          << XmlEscape(c.failure_text) << "</failure>\n    </testcase>\n";
    }
    if (!s.system_out.empty()) {
      out << "    <system-out>" << XmlEscape(s.system_out) << "</system-out>\n";
    }
    if (!s.system_err.empty()) {
      out << "    <system-err>" << XmlEscape(s.system_err) << "</system-err>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace bubble::cli
