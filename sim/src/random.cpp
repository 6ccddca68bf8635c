#include "sharesim/sim/random.h"

#include <cassert>
#include <cmath>
#include <numbers>

namespace sharesim::sim {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a64(std::string_view text) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

constexpr uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

RandomStream::RandomStream(uint64_t seed, std::string_view name) {
  // Mix the seed first so that (seed, name) and (seed', name') rarely collide, then expand with
  // SplitMix64 as the xoshiro authors recommend.
  uint64_t x = seed;
  x = splitmix64(x) ^ fnv1a64(name);
  for (auto& word : s_) word = splitmix64(x);
}

uint64_t RandomStream::next_u64() {
  // xoshiro256** 1.0 (Blackman and Vigna).
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double RandomStream::uniform01() {
  // 53 random bits, shifted by half a step so 0 and 1 never occur.
  return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53;
}

double RandomStream::uniform(double lo, double hi) {
  return lo + (hi - lo) * uniform01();
}

double RandomStream::exponential(double mean) {
  return -mean * std::log(uniform01());
}

double RandomStream::standard_normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Box-Muller: two normals from two uniforms; keep the second for the next call.
  const double r = std::sqrt(-2.0 * std::log(uniform01()));
  const double theta = 2.0 * std::numbers::pi * uniform01();
  spare_normal_ = r * std::sin(theta);
  has_spare_normal_ = true;
  return r * std::cos(theta);
}

double RandomStream::lognormal(double mean, double cv) {
  if (cv <= 0) return mean;
  const double sigma2 = std::log1p(cv * cv);
  const double mu = std::log(mean) - 0.5 * sigma2;
  return std::exp(mu + std::sqrt(sigma2) * standard_normal());
}

DurationDistribution DurationDistribution::deterministic(Time value) {
  DurationDistribution d;
  d.kind_ = Kind::kDeterministic;
  d.a_ = value;
  return d;
}

DurationDistribution DurationDistribution::exponential(Time mean) {
  DurationDistribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean;
  return d;
}

DurationDistribution DurationDistribution::uniform(Time lo, Time hi) {
  assert(lo <= hi);
  DurationDistribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = lo;
  d.b_ = hi;
  return d;
}

DurationDistribution DurationDistribution::lognormal(Time mean, double cv) {
  DurationDistribution d;
  d.kind_ = Kind::kLognormal;
  d.a_ = mean;
  d.cv_ = cv;
  return d;
}

DurationDistribution DurationDistribution::empirical(std::vector<Time> samples) {
  assert(!samples.empty());
  DurationDistribution d;
  d.kind_ = Kind::kEmpirical;
  d.samples_ = std::move(samples);
  return d;
}

Time DurationDistribution::sample(RandomStream& rng) const {
  switch (kind_) {
    case Kind::kDeterministic:
      return a_;
    case Kind::kExponential:
      return Time::from_seconds(rng.exponential(a_.seconds()));
    case Kind::kUniform:
      return Time::from_seconds(rng.uniform(a_.seconds(), b_.seconds()));
    case Kind::kLognormal:
      return Time::from_seconds(rng.lognormal(a_.seconds(), cv_));
    case Kind::kEmpirical:
      return samples_[rng.next_u64() % samples_.size()];
  }
  return a_;
}

Time DurationDistribution::mean() const {
  switch (kind_) {
    case Kind::kDeterministic:
    case Kind::kExponential:
    case Kind::kLognormal:
      return a_;
    case Kind::kUniform:
      // (a + b) / 2 without forming a + b, which can pass 2^63. REQUIRES (load time): 0 <= a <= b.
      return Time::ns(a_.count_ns() / 2 + b_.count_ns() / 2 + (a_.count_ns() % 2 + b_.count_ns() % 2) / 2);
    case Kind::kEmpirical: {
      long double sum = 0;
      for (const Time t : samples_) sum += static_cast<long double>(t.count_ns());
      return Time::ns(static_cast<int64_t>(std::llround(sum / static_cast<long double>(samples_.size()))));
    }
  }
  return a_;
}

}  // namespace sharesim::sim
