// The model library: service-time curves S(batch) of published inference engines on a GPU, with
// the per-item copy sizes of their inputs and outputs, so a workload can say
//   request: {model: resnet50, precision: int8, engine: tensorrt}
// instead of writing kernels by hand.
//
// Inputs are only single-GPU Offline and SingleStream results and published per-batch latency
// tables (never Server or MultiStream results: those are what a model built from this library is
// judged against). Every point names its source (repository @ commit : path) and what it is; each
// entry says which of its parts are estimates. How a curve is used (workload.h): one kernel
// "infer" on the whole GPU whose solo duration is S(E) for a batch of E items, between an H2D copy
// of input_bytes_per_item x E and a D2H copy of output_bytes_per_item x E.
//
// An entry is measured on one GPU (`gpu`, a built-in profile name) and `scaling` says how it may
// move to another: "none" means it may not (the loader refuses other profiles).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sharesim/models/workload_spec.h"

namespace sharesim::models {

struct LibraryPoint {
  BatchCurvePoint point;
  std::string what;    // e.g. "SingleStream mean latency" or "Offline: batch / samples per second"
  std::string source;  // repository @ commit : path
};

struct ModelLibraryEntry {
  std::string model;                 // resnet50, ssd-mobilenet, ssd-resnet34, bert-large, rnnt, 3d-unet
  std::string precision;             // int8, fp16, fp32
  std::string engine;                // tensorrt, onnxruntime-tensorrt
  std::string engine_version;        // e.g. "TensorRT 7.2, CUDA 11.0 Update 1"
  std::string gpu;                   // built-in profile it was measured on
  std::string scaling;               // how the curve moves to another GPU profile ("none": it does not)
  std::vector<LibraryPoint> points;  // ascending batch
  int64_t input_bytes_per_item = 0;
  int64_t output_bytes_per_item = 0;
  std::string bytes_source;  // where the copy sizes come from
  std::string estimates;     // what in this entry is an estimate, and why
};

// Every entry, in a fixed order (model, precision, engine, newest version first).
[[nodiscard]] const std::vector<ModelLibraryEntry>& model_library();

// The entries for (model, precision, engine); newest version first. An empty engine_version
// matches any. Empty when none is published.
[[nodiscard]] std::vector<const ModelLibraryEntry*> find_library_entries(
    const std::string& model, const std::string& precision, const std::string& engine,
    const std::string& engine_version = "");

// The request an entry stands for: copy in, one "infer" kernel on S(batch), copy out.
[[nodiscard]] RequestSpec library_request(const ModelLibraryEntry& entry);

// The curve of an entry.
[[nodiscard]] BatchCurve library_curve(const ModelLibraryEntry& entry);

}  // namespace sharesim::models
