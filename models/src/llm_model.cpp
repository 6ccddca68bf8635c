// LLM architectures, their sizes, and the roofline cost of one step (llm_model.h).
#include "sharesim/models/llm_model.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>

namespace sharesim::models {
namespace {

// One bundled architecture. Every figure is the config.json field of the named Hugging Face
// repository; `source` says where it was read (docs/llm.md lists them).
struct BundledLlm {
  std::string_view name;
  std::string_view source;
  int layers, hidden, heads, kv_heads, head_dim, intermediate, vocab, max_context;
  bool gated_mlp;
  bool tied;
};

// clang-format off
constexpr std::array<BundledLlm, 4> kBundled = {{
  {"tinyllama-1.1b",
   "TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json (huggingface.co/TinyLlama/TinyLlama-1.1B-Chat-v1.0/blob/main/config.json): "
   "num_hidden_layers 22, hidden_size 2048, num_attention_heads 32, num_key_value_heads 4, intermediate_size 5632, "
   "vocab_size 32000, max_position_embeddings 2048, tie_word_embeddings false, hidden_act silu (gated); head_dim = 2048/32",
   22, 2048, 32, 4, 64, 5632, 32000, 2048, true, false},
  {"qwen2.5-0.5b",
   "Qwen/Qwen2.5-0.5B-Instruct config.json (huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/blob/main/config.json): "
   "num_hidden_layers 24, hidden_size 896, num_attention_heads 14, num_key_value_heads 2, intermediate_size 4864, "
   "vocab_size 151936, max_position_embeddings 32768, tie_word_embeddings true, hidden_act silu (gated); head_dim = 896/14",
   24, 896, 14, 2, 64, 4864, 151936, 32768, true, true},
  {"phi-2",
   "microsoft/phi-2 config.json (huggingface.co/microsoft/phi-2/blob/main/config.json), as microsoft/vidur "
   "vidur/config/model_config.py Phi2ModelConfig: 32 layers, hidden 2560, 32 heads (no GQA), MLP 10240 not gated (gelu), "
   "vocab 51200, max_position_embeddings 2048, untied LM head; head_dim = 2560/32",
   32, 2560, 32, 32, 80, 10240, 51200, 2048, false, false},
  {"llama-2-7b",
   "meta-llama/Llama-2-7b-hf config.json (huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json), as microsoft/vidur "
   "vidur/config/model_config.py Llama2_7BModelConfig: 32 layers, hidden 4096, 32 heads, 32 KV heads, MLP 11008 gated, "
   "vocab 32000; max_position_embeddings 4096 (config.json); head_dim = 4096/32",
   32, 4096, 32, 32, 128, 11008, 32000, 4096, true, false},
}};
// clang-format on

ParameterProvenance published(std::string name, int value, std::string_view source) {
  return ParameterProvenance{.name = std::move(name),
                             .unit = "count",
                             .value = std::to_string(value),
                             .source = std::string(source),
                             .estimate = false,
                             .note = ""};
}

sim::Time seconds_to_time(double seconds) {
  // At least 1 ns so that a step always takes time (a zero-length kernel would still be ordered,
  // but a positive duration keeps every step visible on a timeline).
  return std::max(sim::Time::ns(1), sim::Time::from_seconds(seconds));
}

}  // namespace

int64_t LlmModel::layer_parameters() const {
  const int64_t h = arch.hidden;
  const int64_t qd = static_cast<int64_t>(arch.heads) * arch.head_dim;
  const int64_t kvd = static_cast<int64_t>(arch.kv_heads) * arch.head_dim;
  const int64_t mlp = (arch.gated_mlp ? 3 : 2) * h * arch.intermediate;
  return h * qd + 2 * h * kvd + qd * h + mlp;
}

int64_t LlmModel::parameters() const {
  const int64_t embedding = static_cast<int64_t>(arch.vocab) * arch.hidden;
  return arch.layers * layer_parameters() + embedding * (arch.tied_embeddings ? 1 : 2);
}

int64_t LlmModel::weight_bytes() const {
  return static_cast<int64_t>(std::llround(static_cast<double>(parameters()) * weight_bytes_per_param));
}

int64_t LlmModel::weight_bytes_read_per_step() const {
  const double read =
      static_cast<double>(arch.layers * layer_parameters() + static_cast<int64_t>(arch.vocab) * arch.hidden);
  return static_cast<int64_t>(std::llround(read * weight_bytes_per_param));
}

int64_t LlmModel::kv_bytes_per_token() const {
  const double elements = 2.0 * arch.layers * arch.kv_heads * arch.head_dim;
  return static_cast<int64_t>(std::llround(elements * kv_bytes_per_element));
}

double llm_dtype_bytes(std::string_view dtype) {
  if (dtype == "fp32") return 4;
  if (dtype == "fp16" || dtype == "bf16") return 2;
  if (dtype == "int8") return 1;
  if (dtype == "int4") return 0.5;
  return 0;
}

Result<LlmArchitecture> bundled_llm(std::string_view name) {
  for (const BundledLlm& b : kBundled) {
    if (b.name != name) continue;
    LlmArchitecture a;
    a.name = std::string(b.name);
    a.layers = b.layers;
    a.hidden = b.hidden;
    a.heads = b.heads;
    a.kv_heads = b.kv_heads;
    a.head_dim = b.head_dim;
    a.intermediate = b.intermediate;
    a.vocab = b.vocab;
    a.max_context = b.max_context;
    a.gated_mlp = b.gated_mlp;
    a.tied_embeddings = b.tied;
    for (const auto& [key, value] :
         std::array<std::pair<const char*, int>, 8>{{{"layers", b.layers},
                                                     {"hidden", b.hidden},
                                                     {"heads", b.heads},
                                                     {"kv_heads", b.kv_heads},
                                                     {"head_dim", b.head_dim},
                                                     {"intermediate", b.intermediate},
                                                     {"vocab", b.vocab},
                                                     {"max_context", b.max_context}}}) {
      a.provenance.push_back(published(key, value, b.source));
    }
    return a;
  }
  std::string known;
  for (const BundledLlm& b : kBundled) known += (known.empty() ? "" : ", ") + std::string(b.name);
  return Error{.message = "unknown model '" + std::string(name) + "' (bundled: " + known +
                          "; or describe the architecture with layers, hidden, heads, ...)"};
}

std::vector<std::string> bundled_llm_names() {
  std::vector<std::string> names;
  for (const BundledLlm& b : kBundled) names.emplace_back(b.name);
  return names;
}

std::optional<GpuPeakFlops> gpu_peak_fp16_flops(std::string_view gpu_profile_name) {
  struct Peak {
    std::string_view profile;
    double tflops;
    std::string_view source;
  };
  static constexpr std::array<Peak, 3> kPeaks = {{
      {"t4", 65, "NVIDIA T4 datasheet: mixed precision (FP16/FP32) 65 TFLOPS (tensor cores, boost clock)"},
      {"v100-16gb", 125, "NVIDIA V100 datasheet, SXM2: tensor performance 125 TFLOPS"},
      {"a100-80gb-pcie", 312, "NVIDIA A100 datasheet: FP16 tensor core 312 TFLOPS (dense)"},
  }};
  for (const Peak& p : kPeaks) {
    if (p.profile != gpu_profile_name) continue;
    GpuPeakFlops out;
    out.flops = p.tflops * 1e12;
    out.provenance = ParameterProvenance{.name = "peak_flops",
                                         .unit = "TFLOPS",
                                         .value = std::to_string(static_cast<int>(p.tflops)),
                                         .source = std::string(p.source),
                                         .estimate = false,
                                         .note = ""};
    return out;
  }
  return std::nullopt;
}

StepCost llm_step_cost(const LlmModel& model, const LlmCostParameters& cost,
                       std::span<const StepSequence> sequences) {
  assert(cost.peak_flops > 0 && cost.dram_bandwidth > 0 && cost.compute_fraction > 0 &&
         cost.bandwidth_fraction > 0 && !sequences.empty());
  const LlmArchitecture& a = model.arch;
  const double layer_weights = static_cast<double>(a.layers) * static_cast<double>(model.layer_parameters());
  const double head_weights = static_cast<double>(a.vocab) * a.hidden;
  const double attention_width = 4.0 * a.layers * a.heads * a.head_dim;  // QK^T and AV, 2 FLOPs each
  const double kv_per_token = static_cast<double>(model.kv_bytes_per_token());

  double tokens = 0;
  double sampled = 0;
  double attention_pairs = 0;  // sum over new tokens of the positions each attends to
  double kv_tokens = 0;        // cached tokens read plus new tokens written
  for (const StepSequence& s : sequences) {
    const auto c = static_cast<double>(s.cached);
    const auto q = static_cast<double>(s.new_tokens);
    tokens += q;
    sampled += s.samples ? 1 : 0;
    attention_pairs += q * c + q * (q + 1) / 2;
    kv_tokens += c + q;
  }
  StepCost out;
  out.flops = 2 * layer_weights * tokens + 2 * head_weights * sampled + attention_width * attention_pairs;
  const double weights_read =
      (layer_weights + (sampled > 0 ? head_weights : 0)) * model.weight_bytes_per_param;
  out.bytes = weights_read + kv_per_token * kv_tokens;
  const double compute_s = out.flops / (cost.peak_flops * cost.compute_fraction);
  const double memory_s = out.bytes / (cost.dram_bandwidth * cost.bandwidth_fraction);
  out.compute_time = seconds_to_time(compute_s);
  out.memory_time = seconds_to_time(memory_s);
  out.gpu_time = std::max(out.compute_time, out.memory_time);
  out.memory_bound = std::clamp((out.bytes / cost.dram_bandwidth) / out.gpu_time.seconds(), 0.0, 1.0);
  return out;
}

LlmRequestBound llm_request_lower_bound(const LlmModel& model, const LlmCostParameters& cost,
                                        int max_num_seqs, double prompt_tokens, double output_tokens) {
  const LlmArchitecture& a = model.arch;
  const double layer_weights = static_cast<double>(a.layers) * static_cast<double>(model.layer_parameters());
  const double head_weights = static_cast<double>(a.vocab) * a.hidden;
  const double flops = 2 * layer_weights * (prompt_tokens + output_tokens) + 2 * head_weights * output_tokens;
  const double weight_reads =
      output_tokens * static_cast<double>(model.weight_bytes_read_per_step()) / std::max(1, max_num_seqs);
  return LlmRequestBound{.compute_s = flops / (cost.peak_flops * cost.compute_fraction),
                         .memory_s = weight_reads / (cost.dram_bandwidth * cost.bandwidth_fraction)};
}

}  // namespace sharesim::models
