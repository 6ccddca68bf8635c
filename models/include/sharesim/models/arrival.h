// Open arrival processes: when requests arrive, independent of how fast they are served.
//
// An OpenArrivalProcess turns an ArrivalSpec (Poisson, constant, on/off, trace) into a sequence of
// arrival instants, produced one at a time (lazily), so a simulation holds one pending arrival per
// source instead of the whole sequence. Closed-loop arrivals depend on responses and are driven by
// the Workload (workload.h), not by this class.
//
// Every random draw comes from the RandomStream passed in, which the caller derives from the
// scenario seed and the workload's name: the same seed gives the same arrivals on every platform,
// and other workloads' streams are unaffected.
#pragma once

#include <cstdint>
#include <optional>

#include "sharesim/models/workload_spec.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

struct Arrival {
  sim::Time at;             // absolute simulated time
  double work_scale = 1.0;  // multiplies the request's per-item work (trace replay; 1 otherwise)
};

class OpenArrivalProcess {
 public:
  // `origin` is the simulated time the process starts at (arrival offsets are added to it).
  // REQUIRES: spec is not ClosedLoopArrivals; rates >= 0; for a trace, `spec` outlives the process
  // (the offsets are read in place, not copied).
  //
  // Definitions, per kind:
  //  - Poisson(rate): gaps are exponential with mean 1/rate; the first arrival is one gap after
  //    the origin. rate 0: no arrivals.
  //  - Constant(rate): arrival k (k = 0, 1, ...) at origin + k/rate, each instant computed from k
  //    (rounded to the nanosecond), so rounding never accumulates. rate 0: no arrivals.
  //  - OnOff: a two-state MMPP. The process starts in the ON state; ON and OFF periods are
  //    exponential with means mean_on and mean_off; within a period arrivals are Poisson at that
  //    state's rate. Because the exponential is memoryless, a gap drawn past the end of the period
  //    is discarded and drawing restarts at the boundary with the other state's rate. Long-run
  //    rate: (on_rate*mean_on + off_rate*mean_off) / (mean_on + mean_off).
  //  - Trace: one arrival per offset at origin + offset, with work_scale[i] when given.
  OpenArrivalProcess(const ArrivalSpec& spec, sim::Time origin);
  // A trace is read in place, so it must be an lvalue that outlives the process (these overloads
  // keep a TraceArrivals from silently converting into a temporary ArrivalSpec).
  OpenArrivalProcess(const TraceArrivals& trace, sim::Time origin);
  OpenArrivalProcess(TraceArrivals&& trace, sim::Time origin) = delete;
  // For temporaries of the parameter-only kinds (Poisson, constant, on/off). REQUIRES: not a trace.
  OpenArrivalProcess(ArrivalSpec&& spec, sim::Time origin);

  // The next arrival, at a time >= the previous one; nullopt when the process is exhausted (the
  // end of a trace, or a rate of zero). Draws from `rng` only for the random kinds.
  std::optional<Arrival> next(sim::RandomStream& rng);

 private:
  void init(const ArrivalSpec& spec);

  enum class Kind { kPoisson, kConstant, kOnOff, kTrace, kNone };

  Kind kind_ = Kind::kNone;
  sim::Time origin_;
  sim::Time last_;             // time of the previous arrival (or origin)
  uint64_t index_ = 0;         // arrivals produced so far
  double rate_per_s_ = 0;      // Poisson, Constant
  OnOffArrivals on_off_;       // OnOff
  bool on_ = true;             // OnOff: current state
  sim::Time period_end_;       // OnOff: end of the current state's period
  bool period_drawn_ = false;  // OnOff: the first period is drawn on the first call
  const TraceArrivals* trace_ = nullptr;
};

}  // namespace sharesim::models
