#include "sharesim/models/arrival.h"

#include <cassert>
#include <type_traits>
#include <variant>

namespace sharesim::models {

OpenArrivalProcess::OpenArrivalProcess(const ArrivalSpec& spec, sim::Time origin)
    : origin_(origin), last_(origin), period_end_(origin) {
  init(spec);
}

OpenArrivalProcess::OpenArrivalProcess(const TraceArrivals& trace, sim::Time origin)
    : origin_(origin), last_(origin), period_end_(origin) {
  assert(trace.work_scale.empty() || trace.work_scale.size() == trace.offsets.size());
  kind_ = Kind::kTrace;
  trace_ = &trace;
}

OpenArrivalProcess::OpenArrivalProcess(ArrivalSpec&& spec, sim::Time origin)
    : origin_(origin), last_(origin), period_end_(origin) {
  assert(!std::holds_alternative<TraceArrivals>(spec) && "a trace must outlive the process");
  init(spec);
  if (kind_ == Kind::kTrace) kind_ = Kind::kNone;  // never read a dying trace (Release builds)
}

void OpenArrivalProcess::init(const ArrivalSpec& spec) {
  std::visit(
      [this](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PoissonArrivals>) {
          assert(s.rate_per_s >= 0);
          kind_ = s.rate_per_s > 0 ? Kind::kPoisson : Kind::kNone;
          rate_per_s_ = s.rate_per_s;
        } else if constexpr (std::is_same_v<T, ConstantArrivals>) {
          assert(s.rate_per_s >= 0);
          kind_ = s.rate_per_s > 0 ? Kind::kConstant : Kind::kNone;
          rate_per_s_ = s.rate_per_s;
        } else if constexpr (std::is_same_v<T, OnOffArrivals>) {
          assert(s.on_rate_per_s >= 0 && s.off_rate_per_s >= 0);
          // Both rates zero, or a state that never ends, would make next() spin forever.
          const bool any_rate = s.on_rate_per_s > 0 || s.off_rate_per_s > 0;
          const bool periods_ok = s.mean_on > sim::Time::zero() && s.mean_off > sim::Time::zero();
          kind_ = any_rate && periods_ok ? Kind::kOnOff : Kind::kNone;
          on_off_ = s;
        } else if constexpr (std::is_same_v<T, TraceArrivals>) {
          assert(s.work_scale.empty() || s.work_scale.size() == s.offsets.size());
          kind_ = Kind::kTrace;
          trace_ = &s;
        } else {
          static_assert(std::is_same_v<T, ClosedLoopArrivals>);
          assert(false && "closed-loop arrivals are driven by the Workload");
          kind_ = Kind::kNone;
        }
      },
      spec);
}

std::optional<Arrival> OpenArrivalProcess::next(sim::RandomStream& rng) {
  switch (kind_) {
    case Kind::kNone:
      return std::nullopt;
    case Kind::kPoisson: {
      last_ += sim::Time::from_seconds(rng.exponential(1.0 / rate_per_s_));
      ++index_;
      return Arrival{last_, 1.0};
    }
    case Kind::kConstant: {
      // From k, not by adding a rounded gap, so that arrival k is the exact rounding of k/rate.
      const sim::Time at = origin_ + sim::Time::from_seconds(static_cast<double>(index_) / rate_per_s_);
      ++index_;
      last_ = at;
      return Arrival{at, 1.0};
    }
    case Kind::kOnOff: {
      if (!period_drawn_) {
        period_drawn_ = true;
        period_end_ = origin_ + sim::Time::from_seconds(rng.exponential(on_off_.mean_on.seconds()));
      }
      sim::Time t = last_;
      for (;;) {
        const double rate = on_ ? on_off_.on_rate_per_s : on_off_.off_rate_per_s;
        if (rate > 0) {
          const sim::Time candidate = t + sim::Time::from_seconds(rng.exponential(1.0 / rate));
          if (candidate < period_end_) {
            last_ = candidate;
            ++index_;
            return Arrival{candidate, 1.0};
          }
        }
        // Memorylessness: the residual gap past the boundary is discarded and redrawn at the new
        // state's rate from the boundary on.
        t = period_end_;
        on_ = !on_;
        const sim::Time mean = on_ ? on_off_.mean_on : on_off_.mean_off;
        period_end_ = t + sim::Time::from_seconds(rng.exponential(mean.seconds()));
      }
    }
    case Kind::kTrace: {
      if (index_ >= trace_->offsets.size()) return std::nullopt;
      const size_t i = index_++;
      const double scale = trace_->work_scale.empty() ? 1.0 : trace_->work_scale[i];
      last_ = origin_ + trace_->offsets[i];
      return Arrival{last_, scale};
    }
  }
  return std::nullopt;
}

ArrivalDriver::ArrivalDriver(sim::Simulator& sim, const ArrivalSpec& spec, sim::RandomStream& rng)
    : sim_(sim), spec_(spec), rng_(rng) {}

void ArrivalDriver::start(sim::HandlerId open_arrival, sim::HandlerId client_request) {
  open_arrival_ = open_arrival;
  client_request_ = client_request;
  if (const auto* closed = std::get_if<ClosedLoopArrivals>(&spec_)) {
    assert(closed->clients >= 0);
    for (int c = 0; c < closed->clients; ++c)
      sim_.schedule_at(sim_.now(), client_request_, static_cast<uint64_t>(c));
    return;
  }
  open_.emplace(spec_, sim_.now());
  advance();
}

void ArrivalDriver::advance() {
  pending_ = open_->next(rng_);
  if (pending_) sim_.schedule_at(pending_->at, open_arrival_);
}

void ArrivalDriver::schedule_next_request(int client) {
  const auto& closed = std::get<ClosedLoopArrivals>(spec_);
  sim::Time think = closed.think;
  if (closed.think_exponential && closed.think > sim::Time::zero()) {
    think = sim::Time::from_seconds(rng_.exponential(closed.think.seconds()));
  }
  sim_.schedule_in(think, client_request_, static_cast<uint64_t>(client));
}

}  // namespace sharesim::models
