// The LLM endpoint's part of results.json, the terminal summary and report.html: TTFT, TPOT,
// ITL and token throughput with percentiles, what the scheduler and the KV cache did, and the
// model's figures with their sources. Private to the reports library.
#pragma once

#include <string>

#include "sharesim/models/llm_stats.h"
#include "sharesim/reports/json_writer.h"

namespace sharesim::reports::detail {

// The "llm" object of a workload in results.json (docs/reports.md lists its fields).
void write_llm_json(JsonWriter& json, const models::LlmStats& llm);
// One line per LLM endpoint for the terminal summary ("" for a workload that is not one).
std::string llm_summary_line(const std::string& workload, const models::LlmStats& llm);
// The LLM paragraphs and parameter table of a workload's report.html section.
std::string llm_html(const models::LlmStats& llm);

}  // namespace sharesim::reports::detail
