// JUnit XML for `sharesim check --junit FILE`, in the common dialect CI systems display (Jenkins,
// GitLab, GitHub test reporters): <testsuites> with one <testsuite> per scenario and one
// <testcase> per expectation ("expect ...") and per baseline metric ("baseline <metric>"); a failed
// one carries <failure message="..." type="expectation|regression">, a scenario that could not be
// checked one <testcase name="load"> with <error>. No timestamps or durations, so the bytes depend
// only on the results.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sharesim/reports/check_report.h"
#include "sharesim/reports/markup.h"

namespace sharesim::reports {

std::string junit_xml(const std::vector<ScenarioCheck>& checks);

}  // namespace sharesim::reports
