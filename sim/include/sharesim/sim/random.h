// Reproducible, independent random streams.
//
// Each entity (a workload, a device, ...) draws from its own stream, derived from the scenario
// seed and a stable name: adding a workload never changes another workload's draws, and the same
// seed gives the same draws on every platform. The generator is xoshiro256** seeded through
// SplitMix64 from (seed, FNV-1a(name)); distributions are implemented here rather than with
// <random>'s, whose algorithms differ between standard libraries.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::sim {

class RandomStream {
 public:
  RandomStream(uint64_t seed, std::string_view name);

  uint64_t next_u64();
  // Uniform on (0, 1): never exactly 0 or 1 (safe for log).
  double uniform01();
  double uniform(double lo, double hi);
  double exponential(double mean);
  double standard_normal();
  // Lognormal with the given mean and coefficient of variation (stddev / mean) of the lognormal
  // itself, not of the underlying normal. cv = 0 gives the mean.
  double lognormal(double mean, double cv);

 private:
  std::array<uint64_t, 4> s_{};
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

// A distribution of durations, drawn per request from an entity's stream.
class DurationDistribution {
 public:
  enum class Kind { kDeterministic, kExponential, kUniform, kLognormal, kEmpirical };

  static DurationDistribution deterministic(Time value);
  static DurationDistribution exponential(Time mean);
  static DurationDistribution uniform(Time lo, Time hi);  // REQUIRES: lo <= hi
  static DurationDistribution lognormal(Time mean, double cv);
  // Draws one of the samples with equal probability (a bootstrap of measured values).
  // REQUIRES: samples not empty.
  static DurationDistribution empirical(std::vector<Time> samples);

  Time sample(RandomStream& rng) const;
  [[nodiscard]] Time mean() const;
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_ = Kind::kDeterministic;
  Time a_;  // value, mean or lower bound
  Time b_;  // upper bound
  double cv_ = 0;
  std::vector<Time> samples_;
};

}  // namespace sharesim::sim
