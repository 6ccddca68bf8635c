// The simulated GPU timeline as a Chrome trace (the JSON "Trace Event Format" that Perfetto's UI
// at ui.perfetto.dev and chrome://tracing open).
//
// Layout of the trace:
//  - One trace process (pid) per GPU in use, numbered from 1 in the order GPUs are added, named
//    "GPU device/index (policy)".
//  - One thread (tid) per GPU client (CUDA process) and stream: tid = 1 + process * 64 + stream,
//    named "workload/replica" (plus " stream N" for streams after the first). Its slices are the
//    intervals during which the client's kernels and copies execute ("ph": "X", category "kernel"
//    or "copy", named after the op). Under time-slicing a preempted kernel shows as several slices.
//  - tid 0 "time slices" (time-slicing only): which context owns the GPU ("slice: workload/r")
//    and the context switches ("context switch").
//  - Counters ("ph": "C"): "SM cap" per client (the MPS active-thread percentage turned into SMs;
//    the whole GPU otherwise), written at the window start.
//  - Timestamps and durations in microseconds of simulated time, printed exactly from integer
//    nanoseconds (three decimals).
//
// Only the part of the timeline inside a window [start, end) of simulated time is kept (slices
// are clipped to it), so the trace of an hour-long run stays small. Output is deterministic: the
// same run gives the same bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/gpu.h"
#include "sharesim/run/run_report.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::reports {

struct TraceWindow {
  sim::Time start;
  sim::Time end = sim::Time::max();
};

// Parses "START:END" with durations on both sides ("10s:12s", "1500ms:2s"). END > START.
Result<TraceWindow> parse_trace_window(const std::string& text);

// The default window: the first 2 s after the warm-up.
TraceWindow default_trace_window(sim::Time warmup);

class TimelineTrace {
 public:
  explicit TimelineTrace(TraceWindow window);
  ~TimelineTrace();
  TimelineTrace(const TimelineTrace&) = delete;
  TimelineTrace& operator=(const TimelineTrace&) = delete;

  // Adds a GPU and returns its observer (owned by this trace; valid while the trace lives).
  // `process_ids[i]` is the ProcessId of gpu.processes[i] on the GPU (nullopt: never started).
  models::GpuObserver* add_gpu(const run::GpuReport& gpu,
                               const std::vector<std::optional<models::ProcessId>>& process_ids);

  // The trace as JSON. Slices still open are closed at `ended_at` (the end of the run).
  [[nodiscard]] std::string json(sim::Time ended_at) const;

  [[nodiscard]] const TraceWindow& window() const { return window_; }

 private:
  class GpuTrack;
  TraceWindow window_;
  std::vector<std::unique_ptr<GpuTrack>> gpus_;
};

}  // namespace sharesim::reports
