// A decoder-only transformer (an LLM) as the serving model sees it, and the cost of one step.
//
// MODEL (docs/llm.md has the reasoning and the sources)
//
// Architecture (as a Hugging Face config.json publishes it): L layers, hidden size H, Q attention
// heads and K key/value heads of head dimension D, MLP intermediate size I (gated: three H x I
// matrices, as Llama/Qwen's SwiGLU; plain: two), vocabulary V, embeddings tied to the LM head or
// not. Biases and norms are left out (under 0.1% of the parameters of every bundled model).
//   per-layer parameters   P_l = H*Q*D + 2*H*K*D + Q*D*H + (gated ? 3 : 2)*H*I
//   parameters             P   = L*P_l + V*H * (tied ? 1 : 2)
//   weight bytes           W   = P * bytes_per_weight (fp32 4, fp16/bf16 2, int8 1, int4 0.5)
//   KV bytes per token     kv  = 2 * L * K * D * bytes_per_kv_element
//
// One step (one forward pass of the continuous batch) processes, for each scheduled sequence s,
// q_s new tokens on top of c_s tokens already in its KV cache, and samples one token for the
// sequences whose every known token is then computed (n_sample of them). Roofline:
//   FLOPs  F = 2*L*P_l*T + 2*V*H*n_sample + sum_s 4*L*Q*D*(q_s*c_s + q_s*(q_s+1)/2),  T = sum q_s
//   bytes  B = L*P_l*bw  (+ V*H*bw when n_sample > 0)  + sum_s kv*(c_s + q_s)
//          (weights read once per step, the cached context read and the new tokens' K/V written;
//           activations are not counted: they stay in L2/registers for these sizes, a stated
//           approximation)
//   compute time  t_c = F / (peak_flops * compute_fraction)
//   memory time   t_m = B / (dram_bandwidth_effective * bandwidth_fraction)
//   GPU time      t   = max(t_c, t_m)
// The step is handed to the GPU model as one kernel of solo duration t on the whole GPU (the
// decode step of vLLM runs as one CUDA graph), memory-bound fraction m = (B / dram_bandwidth_
// effective) / t: the share of its solo time the DRAM would be busy at the profile's bandwidth,
// so it shares bandwidth with other tenants' kernels. The GPU model adds its kernel launch
// overhead; the server adds a host step_overhead before each step (scheduling, input
// preparation, sampling: serial with the GPU in the modeled server).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// The architecture, as published (config.json field names in the comments).
struct LlmArchitecture {
  std::string name;
  int layers = 0;        // num_hidden_layers
  int hidden = 0;        // hidden_size
  int heads = 0;         // num_attention_heads
  int kv_heads = 0;      // num_key_value_heads
  int head_dim = 0;      // head_dim, or hidden_size / num_attention_heads
  int intermediate = 0;  // intermediate_size
  int vocab = 0;         // vocab_size
  int max_context = 0;   // max_position_embeddings
  bool gated_mlp = true;
  bool tied_embeddings = false;                 // tie_word_embeddings
  std::vector<ParameterProvenance> provenance;  // where each figure came from
};

// The architecture with the precision it is served in.
struct LlmModel {
  LlmArchitecture arch;
  std::string weight_dtype = "fp16";  // fp32, fp16, bf16, int8, int4
  std::string kv_dtype = "fp16";      // fp32, fp16, bf16, int8 (fp8 is not on a T4)
  double weight_bytes_per_param = 2;
  double kv_bytes_per_element = 2;

  [[nodiscard]] int64_t layer_parameters() const;  // P_l
  [[nodiscard]] int64_t parameters() const;        // P
  [[nodiscard]] int64_t weight_bytes() const;      // W (resident)
  // Weights read by a step that samples (every layer and the LM head).
  [[nodiscard]] int64_t weight_bytes_read_per_step() const;
  [[nodiscard]] int64_t kv_bytes_per_token() const;
};

// Bytes per element of a dtype name; 0 for an unknown name.
[[nodiscard]] double llm_dtype_bytes(std::string_view dtype);

// The bundled architectures ("tinyllama-1.1b", "qwen2.5-0.5b", "phi-2", "llama-2-7b"), each
// figure with its source. An error for another name lists the known ones.
Result<LlmArchitecture> bundled_llm(std::string_view name);
std::vector<std::string> bundled_llm_names();

// What the roofline needs from the GPU and from how well the serving kernels use it.
struct LlmCostParameters {
  double peak_flops = 0;            // dense FP16 tensor-core FLOP/s of the GPU (datasheet)
  double dram_bandwidth = 0;        // bytes/s: the GPU profile's dram_bandwidth_effective
  double compute_fraction = 0.5;    // achieved share of peak_flops by the step's GEMMs (estimate)
  double bandwidth_fraction = 0.9;  // achieved share of dram_bandwidth (estimate)
  std::vector<ParameterProvenance> provenance;
};

// The dense FP16 tensor-core peak (FLOP/s, at the boost clock) of a built-in GPU profile by its
// name ("t4": 65 TFLOPS), with its source; nullopt for another profile (the scenario must then
// give `peak_flops`).
struct GpuPeakFlops {
  double flops = 0;
  ParameterProvenance provenance;
};
[[nodiscard]] std::optional<GpuPeakFlops> gpu_peak_fp16_flops(std::string_view gpu_profile_name);

// One sequence's share of a step.
struct StepSequence {
  int64_t cached = 0;      // c: tokens already in its KV cache
  int64_t new_tokens = 0;  // q: tokens computed in this step (1 for a decode)
  bool samples = false;    // the step samples its next token
};

struct StepCost {
  double flops = 0;
  double bytes = 0;
  sim::Time compute_time;
  sim::Time memory_time;
  sim::Time gpu_time;       // max of the two (>= 1 ns)
  double memory_bound = 0;  // m in [0, 1]
};

// The roofline cost of one step. REQUIRES: parameters > 0, at least one sequence.
[[nodiscard]] StepCost llm_step_cost(const LlmModel& model, const LlmCostParameters& cost,
                                     std::span<const StepSequence> sequences);

// A lower bound on the GPU time one request of `prompt` + `output` tokens costs, whatever the
// batching: its tokens' weight FLOPs (no batching removes them) and its share of the weight reads
// when at most `max_num_seqs` decodes share each step. Attention and KV traffic are left out
// (they only add), so a planner may reject a configuration whose offered load by this bound
// exceeds the GPU without rejecting a feasible one.
struct LlmRequestBound {
  double compute_s = 0;  // at the cost's achieved compute on the whole GPU
  double memory_s = 0;   // at the cost's achieved bandwidth
};
[[nodiscard]] LlmRequestBound llm_request_lower_bound(const LlmModel& model, const LlmCostParameters& cost,
                                                      int max_num_seqs, double prompt_tokens,
                                                      double output_tokens);

}  // namespace sharesim::models
