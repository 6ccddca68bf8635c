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

#include <cassert>
#include <cstdint>
#include <optional>

#include "sharesim/models/workload_spec.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/simulator.h"
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

// Drives one workload's arrivals on a simulator (Workload and LlmWorkload share it). Open
// arrivals are drawn lazily: one event per source is pending, and the next arrival is drawn only
// when the previous one has been handled. Closed-loop clients each send a request at start and the
// next one a think time after the previous request ends.
class ArrivalDriver {
 public:
  // `spec` must outlive the driver (a trace is read in place); `rng` draws gaps and think times.
  ArrivalDriver(sim::Simulator& sim, const ArrivalSpec& spec, sim::RandomStream& rng);

  // Schedules the first events: `open_arrival` at the first open arrival, or `client_request`
  // (payload: the client's index) now for every closed-loop client. Once.
  void start(sim::HandlerId open_arrival, sim::HandlerId client_request);
  // The open arrival whose event is running. REQUIRES: called from the open_arrival handler.
  [[nodiscard]] const Arrival& due() const {
    assert(pending_ && pending_->at == sim_.now());
    return *pending_;
  }
  // Draws the next open arrival and schedules its event: call after due() has been handled.
  void advance();
  // Schedules a closed-loop client's next request one think time from now.
  void schedule_next_request(int client);

 private:
  sim::Simulator& sim_;
  const ArrivalSpec& spec_;
  sim::RandomStream& rng_;
  sim::HandlerId open_arrival_{};
  sim::HandlerId client_request_{};
  std::optional<OpenArrivalProcess> open_;
  std::optional<Arrival> pending_;
};

}  // namespace sharesim::models
