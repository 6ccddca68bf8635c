// A workload's `llm:` section: an LLM endpoint (the model served, its server's batching limits,
// its KV cache, the cost model's achieved fractions, where token counts come from). Every default
// is recorded with its source in LlmEndpointSpec::provenance; docs/scenarios.md has the schema.
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "scenario_reader.h"
#include "sharesim/scenarios/csv.h"

namespace sharesim::scenarios::detail {
namespace {

models::ParameterProvenance figure(std::string name, std::string unit, std::string value, std::string source,
                                   bool estimate = false, std::string note = "") {
  return models::ParameterProvenance{.name = std::move(name),
                                     .unit = std::move(unit),
                                     .value = std::move(value),
                                     .source = std::move(source),
                                     .estimate = estimate,
                                     .note = std::move(note)};
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

constexpr const char* kFromScenario = "scenario file";

}  // namespace

bool ScenarioReader::read_llm_model(const YamlNode& node, const std::string& path, LlmEndpointSpec& out) {
  models::LlmArchitecture& a = out.model.arch;
  if (node.is_scalar()) {
    std::string name;
    if (!read_string(node, path, name)) return false;
    auto bundled = models::bundled_llm(name);
    if (!bundled)
      return fail(node, path, "expected a bundled model or an architecture map: " + bundled.error().message);
    a = std::move(*bundled);
    return true;
  }
  if (!expect_map(node, path, "a bundled model name or {name, layers, hidden, heads, kv_heads, ...}"))
    return false;
  if (!check_keys(node, path,
                  {"name", "layers", "hidden", "heads", "kv_heads", "head_dim", "intermediate", "vocab",
                   "max_context", "gated_mlp", "tied_embeddings"})) {
    return false;
  }
  const YamlNode* n = required(node, path, "name", "the model's name");
  if (n == nullptr || !read_string(*n, path + ".name", a.name)) return false;
  const std::pair<std::string_view, int*> counts[] = {{"layers", &a.layers},
                                                      {"hidden", &a.hidden},
                                                      {"heads", &a.heads},
                                                      {"kv_heads", &a.kv_heads},
                                                      {"intermediate", &a.intermediate},
                                                      {"vocab", &a.vocab},
                                                      {"max_context", &a.max_context}};
  for (const auto& [key, field] : counts) {
    const YamlNode* v = required(node, path, key, "a count >= 1 (the config.json field)");
    if (v == nullptr || !read_int(*v, key_path(path, key), 1, 10'000'000, *field)) return false;
    a.provenance.push_back(figure(std::string(key), "count", std::to_string(*field), kFromScenario));
  }
  if (a.heads % a.kv_heads != 0) {
    return fail(
        *node.find("kv_heads"), path + ".kv_heads",
        "expected a divisor of heads (" + std::to_string(a.heads) + "), found " + std::to_string(a.kv_heads));
  }
  if (const YamlNode* v = optional(node, "head_dim")) {
    if (!read_int(*v, path + ".head_dim", 1, 100'000, a.head_dim)) return false;
  } else {
    if (a.hidden % a.heads != 0) {
      return fail(
          node, path + ".head_dim",
          "missing key 'head_dim': hidden (" + std::to_string(a.hidden) + ") is not a multiple of heads");
    }
    a.head_dim = a.hidden / a.heads;
  }
  a.provenance.push_back(figure("head_dim", "count", std::to_string(a.head_dim), kFromScenario));
  if (const YamlNode* v = optional(node, "gated_mlp");
      v != nullptr && !read_bool(*v, path + ".gated_mlp", a.gated_mlp))
    return false;
  if (const YamlNode* v = optional(node, "tied_embeddings");
      v != nullptr && !read_bool(*v, path + ".tied_embeddings", a.tied_embeddings))
    return false;
  return true;
}

bool ScenarioReader::read_token_count(const YamlNode& node, const std::string& path,
                                      const TraceColumnSource& trace, models::TokenCountDistribution& dist,
                                      std::vector<int64_t>& column) {
  constexpr int64_t kMaxTokens = 10'000'000;
  if (node.is_scalar()) {
    if (!read_int(node, path, 0, kMaxTokens, dist.lo)) return false;
    dist.hi = dist.lo;
    return true;
  }
  const YamlEntry* kind = one_of(
      node, path, "a token count: N, {uniform: [lo, hi]}, {lognormal: {mean, cv, max}} or {column: Name}",
      {"uniform", "lognormal", "column"});
  if (kind == nullptr) return false;
  const std::string kp = path + "." + kind->first.value;
  if (kind->first.value == "uniform") {
    const YamlNode& range = kind->second;
    if (!range.is_sequence() || range.items.size() != 2) {
      return fail(range, kp, "expected [lo, hi], found " + range.describe());
    }
    if (!read_int(range.items[0], kp + "[0]", 0, kMaxTokens, dist.lo)) return false;
    if (!read_int(range.items[1], kp + "[1]", dist.lo, kMaxTokens, dist.hi)) return false;
    return true;
  }
  if (kind->first.value == "lognormal") {
    const YamlNode& l = kind->second;
    if (!expect_map(l, kp, "{mean, cv, max}") || !check_keys(l, kp, {"mean", "cv", "max"})) return false;
    const YamlNode* mean = required(l, kp, "mean", "the mean token count, > 0");
    if (mean == nullptr || !read_number(*mean, kp + ".mean", 0, 1e7, true, dist.lognormal_mean)) return false;
    const YamlNode* cv = required(l, kp, "cv", "the coefficient of variation, > 0");
    if (cv == nullptr || !read_number(*cv, kp + ".cv", 0, 100, true, dist.lognormal_cv)) return false;
    dist.lo = 0;
    dist.hi = kMaxTokens;
    if (const YamlNode* mx = optional(l, "max");
        mx != nullptr && !read_int(*mx, kp + ".max", 1, kMaxTokens, dist.hi))
      return false;
    return true;
  }
  std::string name;
  if (!read_string(kind->second, kp, name)) return false;
  if (trace.file.empty()) {
    return fail(kind->second, kp,
                "expected arrivals from a trace to take a column from, found other arrivals");
  }
  auto text = read_text_file(trace.file);
  if (!text) return fail(kind->second, kp, text.error().message);
  auto table = parse_csv(*text, trace.file);
  if (!table) {
    if (!error) error = table.error();
    return false;
  }
  const std::optional<size_t> c = table->column(name);
  if (!c) {
    Error e = table->missing_column(name);
    e.message += " (named at " + file_ + ":" + std::to_string(kind->second.line) + ", " + kp + ")";
    if (!error) error = e;
    return false;
  }
  const auto first =
      static_cast<size_t>(std::min<int64_t>(trace.start, static_cast<int64_t>(table->rows.size())));
  size_t last = table->rows.size();
  if (trace.limit) last = std::min(last, first + static_cast<size_t>(*trace.limit));
  column.clear();
  for (size_t i = first; i < last; ++i) {
    const CsvTable::Row& row = table->rows[i];
    const std::string& field = row.fields[*c];
    int64_t v = 0;
    size_t used = 0;
    bool ok = !field.empty() && field.size() <= 9;
    for (; ok && used < field.size(); ++used) ok = field[used] >= '0' && field[used] <= '9';
    if (ok) v = std::stoll(field);
    if (!ok) {
      if (!error)
        error = table->error_at(row, *c, "expected a token count (an integer >= 0), found '" + field + "'");
      return false;
    }
    column.push_back(v);
  }
  return true;
}

bool ScenarioReader::read_llm(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                              const YamlNode& arrivals, WorkloadSpec& w) {
  if (!expect_map(node, path, "an LLM endpoint {model, tokens, ...}")) return false;
  if (!check_keys(node, path,
                  {"model", "weights", "kv_cache", "kv_cache_size", "activation_reserve", "max_num_seqs",
                   "max_num_batched_tokens", "chunked_prefill", "block_size", "max_model_len", "peak_tflops",
                   "compute_fraction", "bandwidth_fraction", "step_overhead", "tokens"})) {
    return false;
  }
  LlmEndpointSpec e;
  std::vector<models::ParameterProvenance>& prov = e.provenance;
  const YamlNode* m =
      required(node, path, "model",
               "a bundled model (" + join({"tinyllama-1.1b", "qwen2.5-0.5b", "phi-2", "llama-2-7b"}) +
                   ") or an architecture map");
  if (m == nullptr || !read_llm_model(*m, path + ".model", e)) return false;
  for (const auto& p : e.model.arch.provenance) prov.push_back(p);

  // Precision of weights and cache.
  const auto read_dtype = [&](std::string_view key, std::string& dtype, double& bytes, bool allow_int4) {
    if (const YamlNode* v = optional(node, key)) {
      const std::string kp = key_path(path, key);
      if (!read_string(*v, kp, dtype)) return false;
      bytes = models::llm_dtype_bytes(dtype);
      if (bytes == 0 || (!allow_int4 && dtype == "int4")) {
        return fail(*v, kp,
                    std::string("expected fp32, fp16, bf16, int8") + (allow_int4 ? " or int4" : "") +
                        ", found '" + dtype + "'");
      }
      prov.push_back(figure(std::string(key), "dtype", dtype, kFromScenario));
    } else {
      prov.push_back(
          figure(std::string(key), "dtype", dtype,
                 "default: fp16, the T4's tensor-core precision (compute capability 7.5 has no bf16)"));
    }
    return true;
  };
  if (!read_dtype("weights", e.model.weight_dtype, e.model.weight_bytes_per_param, true)) return false;
  if (!read_dtype("kv_cache", e.model.kv_dtype, e.model.kv_bytes_per_element, false)) return false;

  // Scheduler limits (vLLM names and defaults).
  models::LlmSchedulerConfig& sc = e.scheduler;
  const auto read_limit = [&](std::string_view key, int lo, int hi, int& field, const char* default_source) {
    if (const YamlNode* v = optional(node, key)) {
      if (!read_int(*v, key_path(path, key), lo, hi, field)) return false;
      prov.push_back(figure(std::string(key), "count", std::to_string(field), kFromScenario));
    } else {
      prov.push_back(figure(std::string(key), "count", std::to_string(field), default_source));
    }
    return true;
  };
  if (!read_limit("max_num_seqs", 1, 100'000, sc.max_num_seqs,
                  "vLLM vllm/config/scheduler.py SchedulerConfig.DEFAULT_MAX_NUM_SEQS = 128"))
    return false;
  if (!read_limit("max_num_batched_tokens", 1, 10'000'000, sc.max_num_batched_tokens,
                  "vLLM vllm/config/scheduler.py SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048"))
    return false;
  if (!read_limit("block_size", 1, 4096, sc.block_size,
                  "vLLM CacheConfig block_size default 16 (PagedAttention)"))
    return false;
  if (const YamlNode* v = optional(node, "chunked_prefill");
      v != nullptr && !read_bool(*v, path + ".chunked_prefill", sc.chunked_prefill))
    return false;
  prov.push_back(figure(
      "chunked_prefill", "bool", sc.chunked_prefill ? "true" : "false",
      optional(node, "chunked_prefill") ? kFromScenario : "vLLM V1 default: chunked prefill always on"));
  sc.max_model_len = e.model.arch.max_context;
  if (const YamlNode* v = optional(node, "max_model_len")) {
    if (!read_int(*v, path + ".max_model_len", int64_t{1}, int64_t{e.model.arch.max_context},
                  sc.max_model_len))
      return false;
  }
  prov.push_back(
      figure("max_model_len", "tokens", std::to_string(sc.max_model_len),
             optional(node, "max_model_len") ? kFromScenario : "default: the model's max_context"));

  // Memory: weights, activations, KV cache within the process's allocation.
  const int64_t weights = e.model.weight_bytes();
  e.activation_reserve_bytes = int64_t{1} << 30;
  if (const YamlNode* v = optional(node, "activation_reserve")) {
    if (!read_bytes(*v, path + ".activation_reserve", false, e.activation_reserve_bytes)) return false;
    prov.push_back(
        figure("activation_reserve", "B", std::to_string(e.activation_reserve_bytes), kFromScenario));
  } else {
    prov.push_back(
        figure("activation_reserve", "GiB", "1",
               "not published per model: vLLM measures peak activation memory with a dummy forward pass "
               "of max_num_batched_tokens at start-up, plus CUDA graph and non-torch memory",
               true, "measure with the server's start-up log (memory profiling line)"));
  }
  if (const YamlNode* v = optional(node, "kv_cache_size")) {
    if (!read_bytes(*v, path + ".kv_cache_size", true, e.kv_cache_bytes)) return false;
    if (w.memory_bytes == 0) w.memory_bytes = weights + e.activation_reserve_bytes + e.kv_cache_bytes;
    prov.push_back(figure("kv_cache_size", "B", std::to_string(e.kv_cache_bytes), kFromScenario));
  } else {
    if (w.memory_bytes == 0) {
      return fail(
          node, path + ".kv_cache_size",
          "missing key 'kv_cache_size' (or the workload's `memory`, from which the cache is what is left "
          "after the weights and activation_reserve)");
    }
    e.kv_cache_bytes = w.memory_bytes - weights - e.activation_reserve_bytes;
    prov.push_back(figure("kv_cache_size", "B", std::to_string(e.kv_cache_bytes),
                          "memory - weights - activation_reserve (as vLLM sizes its cache within "
                          "gpu_memory_utilization)"));
  }
  const int64_t block_bytes = e.model.kv_bytes_per_token() * sc.block_size;
  sc.kv_cache_blocks = e.kv_cache_bytes > 0 ? e.kv_cache_bytes / block_bytes : 0;
  if (sc.kv_cache_blocks < 1 || weights + e.activation_reserve_bytes + e.kv_cache_bytes > w.memory_bytes) {
    return fail(node, path,
                "expected memory for the weights (" + std::to_string(weights) + " B), activation_reserve (" +
                    std::to_string(e.activation_reserve_bytes) + " B) and at least one KV block (" +
                    std::to_string(block_bytes) + " B) within the workload's memory (" +
                    std::to_string(w.memory_bytes) + " B)");
  }

  // Cost-model figures.
  if (const YamlNode* v = optional(node, "peak_tflops")) {
    double tflops = 0;
    if (!read_number(*v, path + ".peak_tflops", 0, 1e6, true, tflops)) return false;
    e.peak_flops = tflops * 1e12;
    prov.push_back(figure("peak_flops", "TFLOPS", number_text(tflops), kFromScenario));
  } else if (auto peak = models::gpu_peak_fp16_flops(device.gpu_profile)) {
    e.peak_flops = peak->flops;
    prov.push_back(peak->provenance);
  } else {
    return fail(
        node, path + ".peak_tflops",
        "missing key 'peak_tflops': no FP16 peak is bundled for GPU profile '" + device.gpu_profile + "'");
  }
  const auto read_fraction = [&](std::string_view key, double fallback, double& field, const char* source,
                                 const char* note) {
    field = fallback;
    if (const YamlNode* v = optional(node, key)) {
      if (!read_number(*v, key_path(path, key), 0, 1, true, field)) return false;
      prov.push_back(figure(std::string(key), "ratio", number_text(field), kFromScenario, true, note));
    } else {
      prov.push_back(figure(std::string(key), "ratio", number_text(field), source, true, note));
    }
    return true;
  };
  if (!read_fraction(
          "compute_fraction", 0.5, e.compute_fraction,
          "no published T4 figure for these models' GEMMs: half the tensor-core peak is a starting point",
          "calibrate with a prefill of a long prompt (TTFT of one request)"))
    return false;
  if (!read_fraction(
          "bandwidth_fraction", 0.85, e.bandwidth_fraction,
          "decode GEMV kernels reach somewhat less than a copy kernel's bandwidth (the GPU profile's "
          "dram_bandwidth_effective): 0.85 as a starting point",
          "calibrate with batch-1 decode (TPOT of one request)"))
    return false;
  e.step_overhead = sim::Time::us(500);
  if (const YamlNode* v = optional(node, "step_overhead")) {
    if (!read_duration(*v, path + ".step_overhead", false, e.step_overhead)) return false;
    prov.push_back(figure("step_overhead", "us", std::to_string(e.step_overhead.count_ns() / 1000),
                          kFromScenario, true));
  } else {
    prov.push_back(figure("step_overhead", "us", "500",
                          "host time per step (scheduling, input preparation, sampling, detokenizing) in the "
                          "serving loop; not published for a T4 host",
                          true, "calibrate from TPOT at batch 1 minus the modeled GPU time"));
  }

  // Token counts.
  const YamlNode* t = required(node, path, "tokens", "{prompt: ..., output: ...}");
  if (t == nullptr || !expect_map(*t, path + ".tokens", "{prompt: ..., output: ...}")) return false;
  if (!check_keys(*t, path + ".tokens", {"prompt", "output"})) return false;
  TraceColumnSource trace;
  if (const YamlNode* tr = arrivals.find("trace"); tr != nullptr && tr->is_map()) {
    if (const YamlNode* f = tr->find("file")) trace.file = resolve(f->value);
    if (const YamlNode* s = tr->find("start"))
      trace.start = std::stoll(s->value);  // validated by read_arrivals
    if (const YamlNode* l = tr->find("limit")) trace.limit = std::stoll(l->value);
  }
  const YamlNode* pn = required(*t, path + ".tokens", "prompt", "prompt tokens per request");
  if (pn == nullptr ||
      !read_token_count(*pn, path + ".tokens.prompt", trace, e.tokens.prompt, e.tokens.trace_prompt))
    return false;
  const YamlNode* on = required(*t, path + ".tokens", "output", "output tokens per request");
  if (on == nullptr ||
      !read_token_count(*on, path + ".tokens.output", trace, e.tokens.output, e.tokens.trace_output))
    return false;
  if (e.tokens.trace_prompt.empty() != e.tokens.trace_output.empty()) {
    return fail(*t, path + ".tokens",
                "expected both prompt and output from trace columns, or neither (one column and one "
                "distribution would pair rows with draws)");
  }
  w.llm = std::move(e);
  return true;
}

}  // namespace sharesim::scenarios::detail
