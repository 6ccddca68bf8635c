#include "sharesim/models/model_library.h"

#include <cstdio>
#include <utility>

namespace sharesim::models {

namespace {

// MLPerf Inference v0.7, closed division, NVIDIA, one T4 (T4x1_TRT; system file
// closed/NVIDIA/systems/T4x1_TRT.json: "TensorRT 7.2, CUDA 11.0 Update 1").
constexpr const char* kV07 = "mlcommons/inference_results_v0.7 @ 31060d57";
constexpr const char* kV07Version = "TensorRT 7.2, CUDA 11.0 Update 1 (MLPerf Inference v0.7, NVIDIA)";
// MLPerf Inference v1.1, closed division, Lenovo ThinkSystem SE350, one T4 (T4x1_TRT; system
// file closed/Lenovo/systems/T4x1_TRT.json: "TensorRT 8.0.2, CUDA 11.3").
constexpr const char* kV11 = "mlcommons/inference_results_v1.1 @ 7fc43356";
constexpr const char* kV11Version = "TensorRT 8.0.2, CUDA 11.3 (MLPerf Inference v1.1, Lenovo)";
// NVIDIA DeepLearningExamples, ResNet-50 on Triton, T4, ONNX Runtime with the TensorRT
// accelerator, FP16, offline (static batching, one client), "Avg Latency" column in ms.
constexpr const char* kDle =
    "NVIDIA/DeepLearningExamples @ 49e23b45 : PyTorch/Classification/ConvNets/triton/resnet50/README.md "
    "(Offline: NVIDIA T4, ONNX Runtime TensorRT with FP16)";

// A published figure as it was printed (up to 6 significant digits, no trailing zeros).
std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::string mlperf_path(const char* repo, const char* submitter, const std::string& benchmark,
                        const std::string& scenario) {
  return std::string(repo) + " : closed/" + submitter + "/results/T4x1_TRT/" + benchmark + "/" + scenario +
         "/performance/run_1/mlperf_log_summary.txt";
}

// An entry measured on a T4 that does not scale to other profiles (every entry so far).
ModelLibraryEntry t4_entry(std::string model, std::string precision, std::string engine,
                           std::string version) {
  ModelLibraryEntry e;
  e.model = std::move(model);
  e.precision = std::move(precision);
  e.engine = std::move(engine);
  e.engine_version = std::move(version);
  e.gpu = "t4";
  e.scaling = "none";
  return e;
}

// S(1) from the SingleStream mean latency and S(B) = B / (Offline samples per second) at the
// Offline gpu_batch_size (from the submission's config for T4x1).
ModelLibraryEntry mlperf_entry(std::string model, std::string precision, const char* repo,
                               const char* submitter, const char* version, const std::string& benchmark,
                               sim::Time single_stream_mean, int offline_batch, double offline_samples_per_s,
                               const std::string& batch_source, int64_t in_bytes, int64_t out_bytes,
                               std::string bytes_source, std::string extra_estimates) {
  ModelLibraryEntry e = t4_entry(std::move(model), std::move(precision), "tensorrt", version);
  e.points.push_back(LibraryPoint{{1, single_stream_mean},
                                  "SingleStream mean latency (batch 1)",
                                  mlperf_path(repo, submitter, benchmark, "SingleStream")});
  e.points.push_back(LibraryPoint{
      {static_cast<double>(offline_batch),
       sim::Time::from_seconds(static_cast<double>(offline_batch) / offline_samples_per_s)},
      "Offline: gpu_batch_size " + std::to_string(offline_batch) + " / " + decimal(offline_samples_per_s) +
          " samples per second (batch size from " + batch_source + ")",
      mlperf_path(repo, submitter, benchmark, "Offline")});
  e.input_bytes_per_item = in_bytes;
  e.output_bytes_per_item = out_bytes;
  e.bytes_source = std::move(bytes_source);
  e.estimates =
      "S is linear between the two measured points (the shape between them is not measured); S(1) is a "
      "whole LoadGen query (copies and host work included), S(B) the Offline throughput's inverse with "
      "the harness's copy streams overlapping the copies" +
      (extra_estimates.empty() ? std::string() : "; " + extra_estimates);
  return e;
}

constexpr const char* kMobilenetBytes =
    "input 3 x 300 x 300 int8 = 270,000 B; output estimated as 100 detections x 7 floats = 2,800 B";
constexpr const char* kResnet34Bytes =
    "input 3 x 1200 x 1200 int8 = 4,320,000 B; output estimated as 100 detections x 7 floats = 2,800 B";
constexpr const char* kBertBytes =
    "input 3 x 384 int32 (ids, segments, mask) = 4,608 B; output 384 x 2 fp16 logits = 1,536 B";
constexpr const char* kUnetBytes =
    "input 4 x 224 x 224 x 160 int8 = 32,112,640 B; output estimated as one int8 label per voxel = 8,028,160 "
    "B";

// One T4 MLPerf result pair of a round: SingleStream mean latency and Offline throughput at the
// config's gpu_batch_size. Figures copied from the files mlperf_path() names.
struct MlperfFigures {
  const char* model;
  const char* precision;
  bool v11;                  // round v1.1 (Lenovo), else v0.7 (NVIDIA)
  const char* benchmark;     // results folder
  const char* config;        // configs folder
  int64_t single_stream_ns;  // SingleStream "Mean latency (ns)"
  int offline_batch;         // config gpu_batch_size for T4x1
  double offline_samples_per_s;
  int64_t in_bytes;
  int64_t out_bytes;
  const char* bytes_source;
  const char* extra_estimates;
};

constexpr const char* kR50Bytes =
    "input 3 x 224 x 224 int8 = 150,528 B (the harness's int8_linear tensors); output: one int32 class "
    "index = 4 B";
constexpr const char* kRnntBytes = "not entered: inputs vary with the utterance's length";
constexpr const char* kOutputEstimate = "the output size is an estimate";

constexpr MlperfFigures kMlperf[] = {
    {"resnet50", "int8", true, "resnet50", "resnet50", 816569, 256, 5808.47, 150528, 4, kR50Bytes, ""},
    {"resnet50", "int8", false, "resnet50", "resnet50", 1000135, 256, 6035.57, 150528, 4, kR50Bytes, ""},
    {"ssd-mobilenet", "int8", true, "ssd-mobilenet", "ssd-mobilenet", 464962, 128, 7399.41, 270000, 2800,
     kMobilenetBytes, kOutputEstimate},
    {"ssd-mobilenet", "int8", false, "ssd-mobilenet", "ssd-mobilenet", 541776, 128, 7959.76, 270000, 2800,
     kMobilenetBytes, kOutputEstimate},
    {"ssd-resnet34", "int8", true, "ssd-resnet34", "ssd-resnet34", 8190630, 12, 134.506, 4320000, 2800,
     kResnet34Bytes, kOutputEstimate},
    {"ssd-resnet34", "int8", false, "ssd-resnet34", "ssd-resnet34", 8258500, 12, 135.452, 4320000, 2800,
     kResnet34Bytes, kOutputEstimate},
    {"bert-large", "int8", true, "bert-99", "bert", 4798528, 128, 375.886, 4608, 1536, kBertBytes,
     "the Offline run's inference streams come from the harness's OfflineGPUBaseConfig (not read here); "
     "SQuAD sequences vary in length (padded to 384 at most)"},
    {"bert-large", "int8", false, "bert-99", "bert", 5373520, 256, 443.145, 4608, 1536, kBertBytes,
     "the Offline run used 2 inference streams (config gpu_inference_streams 2), so S(256) is the time per "
     "batch of two overlapping streams, below one stream's; SQuAD sequences vary in length (the harness "
     "pads to 384 at most)"},
    {"rnnt", "fp16", true, "rnnt", "rnnt", 43574774, 2048, 1343.67, 0, 0, kRnntBytes,
     "utterances vary in length; no copy sizes"},
    {"rnnt", "fp16", false, "rnnt", "rnnt", 38523128, 2048, 1502.93, 0, 0, kRnntBytes,
     "utterances vary in length (the SingleStream p90 is 1.6 x its mean); no copy sizes"},
    {"3d-unet", "int8", true, "3d-unet-99", "3d-unet", 157118855, 2, 7.18324, 32112640, 8028160, kUnetBytes,
     kOutputEstimate},
    {"3d-unet", "int8", false, "3d-unet-99", "3d-unet", 156740931, 2, 7.20312, 32112640, 8028160, kUnetBytes,
     kOutputEstimate},
};

std::vector<ModelLibraryEntry> build_library() {
  std::vector<ModelLibraryEntry> lib;
  for (const MlperfFigures& f : kMlperf) {
    const std::string config =
        f.v11
            ? std::string(kV11) + " : closed/Lenovo/configs/" + f.config + "/Offline/__init__.py, class T4x1"
            : std::string(kV07) + " : closed/NVIDIA/configs/" + f.config + "/Offline/config.json, T4x1";
    lib.push_back(mlperf_entry(f.model, f.precision, f.v11 ? kV11 : kV07, f.v11 ? "Lenovo" : "NVIDIA",
                               f.v11 ? kV11Version : kV07Version, f.benchmark,
                               sim::Time::ns(f.single_stream_ns), f.offline_batch, f.offline_samples_per_s,
                               config, f.in_bytes, f.out_bytes, f.bytes_source, f.extra_estimates));
  }
  {
    ModelLibraryEntry e =
        t4_entry("resnet50", "fp16", "onnxruntime-tensorrt",
                 "Triton Inference Server, ONNX Runtime backend with TensorRT (April 2021 release)");
    const std::pair<int, int64_t> table[] = {{1, 3003},   {2, 3998},   {4, 5747},   {8, 8998},
                                             {16, 15113}, {32, 28353}, {64, 53187}, {128, 100155}};
    for (const auto& [batch, us] : table) {
      e.points.push_back(LibraryPoint{{static_cast<double>(batch), sim::Time::us(us)},
                                      "Avg Latency at client batch size " + std::to_string(batch),
                                      kDle});
    }
    e.input_bytes_per_item = 301056;
    e.output_bytes_per_item = 2000;
    e.bytes_source =
        "input 3 x 224 x 224 fp16 = 301,056 B; output 1,000 fp16 scores = 2,000 B (tensor shapes)";
    e.estimates =
        "the table's latencies are what one perf_analyzer client saw: they include client send, network "
        "and Triton's queue and copies, so S(B) over-states the GPU time (by the network share, which "
        "the table does not split out); linear between the measured batch sizes";
    lib.push_back(std::move(e));
  }
  {
    // One measured point: BERT-large, batch 8, sequence 512, fp32, PyTorch 2.1, on a Tesla T4.
    ModelLibraryEntry e =
        t4_entry("bert-large", "fp32", "pytorch", "PyTorch 2.1 (eager), sequence length 512");
    const char* neusight =
        "sitar-lab/NeuSight @ 6945927d : scripts/asplos/label/Tesla_T4/bert_large-inf-512-8.csv";
    e.points.push_back(
        LibraryPoint{{0, sim::Time::zero()}, "origin (estimate: no fixed cost per batch)", neusight});
    e.points.push_back(
        LibraryPoint{{8, sim::Time::us(694460)}, "end-to-end latency at batch 8 (694.46 ms)", neusight});
    e.input_bytes_per_item = 12288;
    e.output_bytes_per_item = 8;
    e.bytes_source =
        "input 3 x 512 int64 (ids, segments, mask) = 12,288 B; output 2 fp32 logits = 8 B (tensor shapes)";
    e.estimates =
        "one measured batch size: S is taken proportional to the batch (8 x 512 tokens already fill the "
        "GPU, so the fixed cost per batch is assumed small); the PyTorch and sequence length of the "
        "measurement, not of any particular TorchServe handler";
    lib.push_back(std::move(e));
  }
  return lib;
}

}  // namespace

const std::vector<ModelLibraryEntry>& model_library() {
  static const std::vector<ModelLibraryEntry> library = build_library();
  return library;
}

std::vector<const ModelLibraryEntry*> find_library_entries(const std::string& model,
                                                           const std::string& precision,
                                                           const std::string& engine,
                                                           const std::string& engine_version) {
  std::vector<const ModelLibraryEntry*> found;
  for (const ModelLibraryEntry& e : model_library()) {
    if (e.model != model || e.precision != precision || e.engine != engine) continue;
    if (!engine_version.empty() && e.engine_version.find(engine_version) == std::string::npos) continue;
    found.push_back(&e);
  }
  return found;
}

BatchCurve library_curve(const ModelLibraryEntry& entry) {
  BatchCurve curve;
  for (const LibraryPoint& p : entry.points) curve.push_back(p.point);
  return curve;
}

RequestSpec library_request(const ModelLibraryEntry& entry) {
  RequestSpec spec;
  if (entry.input_bytes_per_item > 0) {
    spec.ops.push_back(CopyOpSpec{.name = "input",
                                  .direction = CopyDirection::kHostToDevice,
                                  .bytes = 0,
                                  .per_item_bytes = entry.input_bytes_per_item,
                                  .pinned = true});
  }
  spec.ops.push_back(KernelOpSpec{.name = "infer", .batch_curve = library_curve(entry)});
  if (entry.output_bytes_per_item > 0) {
    spec.ops.push_back(CopyOpSpec{.name = "output",
                                  .direction = CopyDirection::kDeviceToHost,
                                  .bytes = 0,
                                  .per_item_bytes = entry.output_bytes_per_item,
                                  .pinned = true});
  }
  return spec;
}

}  // namespace sharesim::models
