#include "llm_report.h"

#include "sharesim/reports/markup.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::reports::detail {
namespace {

using sim::fmt;

std::string ms2(sim::Time t) {
  return fmt("%.2f", t.milliseconds());
}

void percentiles(JsonWriter& json, const char* key, const sim::LatencyHistogram& h) {
  json.key(key).begin_object();
  json.field("count", h.count());
  json.field("mean", h.mean_ns() * 1e-6);
  json.field("p50", h.quantile(0.50).milliseconds());
  json.field("p90", h.quantile(0.90).milliseconds());
  json.field("p99", h.quantile(0.99).milliseconds());
  json.field("max", h.max().milliseconds());
  json.end_object();
}

std::string percentile_text(const sim::LatencyHistogram& h) {
  return "p50 " + ms2(h.quantile(0.5)) + ", p90 " + ms2(h.quantile(0.9)) + ", p99 " + ms2(h.quantile(0.99)) +
         ", max " + ms2(h.max()) + " ms";
}

}  // namespace

void write_llm_json(JsonWriter& json, const models::LlmStats& llm) {
  json.key("llm").begin_object();
  json.field("model", llm.model);
  json.field("weight_dtype", llm.weight_dtype);
  json.field("kv_dtype", llm.kv_dtype);
  json.field("weight_bytes", llm.weight_bytes);
  json.field("kv_bytes_per_token", llm.kv_bytes_per_token);
  json.field("kv_cache_blocks", llm.kv_cache_blocks);
  json.field("block_size", llm.block_size);
  percentiles(json, "ttft_ms", llm.ttft);
  percentiles(json, "tpot_ms", llm.tpot);
  percentiles(json, "itl_ms", llm.itl);
  json.field("prompt_tokens", llm.prompt_tokens);
  json.field("output_tokens", llm.output_tokens);
  json.field("tokens_generated", llm.tokens_generated);
  json.field("output_tokens_per_s", llm.output_tokens_per_s);
  json.field("steps", llm.steps);
  json.field("prefill_steps", llm.prefill_steps);
  json.field("mean_step_sequences", llm.mean_step_sequences);
  json.field("mean_step_tokens", llm.mean_step_tokens);
  json.field("preemptions", llm.preemptions);
  json.field("rejected", llm.rejected);
  json.field("kv_peak_fraction", llm.kv_peak_fraction);
  json.key("parameters").begin_array();
  for (const models::ParameterProvenance& p : llm.parameters) {
    json.begin_object();
    json.field("name", p.name);
    json.field("value", p.value);
    json.field("unit", p.unit);
    json.field("source", p.source);
    json.field("estimate", p.estimate);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

std::string llm_summary_line(const std::string& workload, const models::LlmStats& llm) {
  return workload + " (" + llm.model + " " + llm.weight_dtype + "): TTFT p50 " + ms2(llm.ttft.quantile(0.5)) +
         " p99 " + ms2(llm.ttft.quantile(0.99)) + " ms; TPOT p50 " + ms2(llm.tpot.quantile(0.5)) + " p99 " +
         ms2(llm.tpot.quantile(0.99)) + " ms; ITL p99 " + ms2(llm.itl.quantile(0.99)) + " ms; " +
         fmt("%.1f", llm.output_tokens_per_s) + " output tokens/s; " + std::to_string(llm.steps) +
         " steps, " + fmt("%.2f", llm.mean_step_sequences) + " sequences and " +
         fmt("%.1f", llm.mean_step_tokens) + " tokens each; " + std::to_string(llm.preemptions) +
         " preemptions, " + std::to_string(llm.rejected) + " rejected; KV cache peak " +
         fmt("%.1f%%", 100 * llm.kv_peak_fraction) + "\n";
}

std::string llm_html(const models::LlmStats& llm) {
  std::string out =
      "<p>LLM endpoint: " + xml_escape(llm.model) + ", weights " + xml_escape(llm.weight_dtype) + " (" +
      fmt("%.0f", static_cast<double>(llm.weight_bytes) / (1024.0 * 1024.0)) + " MiB), KV cache " +
      xml_escape(llm.kv_dtype) + ": " + std::to_string(llm.kv_cache_blocks) + " blocks of " +
      std::to_string(llm.block_size) + " tokens, " + std::to_string(llm.kv_bytes_per_token) +
      " B per token; peak use " + fmt("%.1f%%", 100 * llm.kv_peak_fraction) + "</p>\n";
  out += "<p>time to first token: " + percentile_text(llm.ttft) + "</p>\n";
  out += "<p>time per output token: " + percentile_text(llm.tpot) + "</p>\n";
  out += "<p>inter-token latency: " + percentile_text(llm.itl) + "</p>\n";
  out += "<p>" + fmt("%.1f", llm.output_tokens_per_s) + " output tokens/s; " + std::to_string(llm.steps) +
         " steps (" + std::to_string(llm.prefill_steps) + " with prefill), " +
         fmt("%.2f", llm.mean_step_sequences) + " sequences and " + fmt("%.1f", llm.mean_step_tokens) +
         " tokens per step; " + std::to_string(llm.preemptions) + " preemptions (recompute), " +
         std::to_string(llm.rejected) + " requests rejected (too long for the model or the cache)</p>\n";
  out += "<details><summary>model and serving parameters (" + std::to_string(llm.parameters.size()) +
         ")</summary>\n<table>\n<tr><th class=\"name\">parameter</th><th>value</th><th "
         "class=\"name\">source</th></tr>\n";
  for (const models::ParameterProvenance& p : llm.parameters) {
    out += "<tr><td class=\"name\">" + xml_escape(p.name) + "</td><td>" + xml_escape(p.value + " " + p.unit) +
           "</td><td class=\"name\">" + (p.estimate ? "<b>estimate</b>: " : "") + xml_escape(p.source) +
           "</td></tr>\n";
  }
  out += "</table></details>\n";
  return out;
}

}  // namespace sharesim::reports::detail
