// Escaping text for markup: JUnit XML, and the HTML and inline SVG of report.html.
#pragma once

#include <string>
#include <string_view>

namespace sharesim::reports {

// Text escaped for XML 1.0 character data and attribute values: & < > " ' as entities, tab, line
// feed and carriage return as character references (so attributes keep them), and the characters
// XML 1.0 forbids (other C0 controls) replaced by U+FFFD. HTML5 reads the same references, so one
// function serves the JUnit file and report.html.
std::string xml_escape(std::string_view text);

}  // namespace sharesim::reports
