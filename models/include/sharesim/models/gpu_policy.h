// The three ways a GPU is shared, each a small class behind one interface.
//
//   PassthroughPolicy   one tenant (a GPU maps to exactly one VM); its streams overlap as CUDA
//                       allows.
//   TimeSlicingPolicy   contexts take turns on the whole GPU: one owner at a time, for at most one
//                       time slice while others have work; a switch costs idle time; round robin.
//   MpsPolicy           all clients run concurrently; each client's kernels together use at most
//                       its CUDA_MPS_ACTIVE_THREAD_PERCENTAGE of the SMs; at most N clients;
//                       co-running clients pay an interference penalty.
//
// GpuModel (gpu.h) owns the execution model (rates, streams, copies, memory); a policy answers
// only the questions where the sharing modes differ: who may start, who may run now, how many SMs
// a client may use, which processes a memory fault takes down, and when the next policy event
// (end of a slice, end of a switch) is due.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

enum class SharingPolicy { kPassthrough, kTimeSlicing, kMps };

std::string_view sharing_policy_name(SharingPolicy policy);  // "passthrough", "time-slicing", "mps"

using ProcessId = uint32_t;

// A CUDA process (a container replica, a VM's application) that uses the GPU.
struct ProcessSpec {
  std::string name;
  int64_t memory_bytes = 0;                         // device memory it allocates at start (>= 0)
  std::optional<int> mps_active_thread_percentage;  // CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, 1..100
  std::optional<int64_t> mps_pinned_mem_limit;      // CUDA_MPS_PINNED_DEVICE_MEM_LIMIT, bytes
  int streams = 1;                                  // CUDA streams it submits to (>= 1)
};

// Which processes an allocation failure takes down.
enum class FaultScope {
  kNone,     // the allocation fits
  kProcess,  // only the allocating process fails (MPS per-client limit)
  kGpu,      // every process on the GPU fails (one fault domain)
};

struct MemoryCheck {
  FaultScope scope = FaultScope::kNone;
  std::string reason;  // empty when scope == kNone
};

class GpuSharingPolicy {
 public:
  virtual ~GpuSharingPolicy() = default;

  [[nodiscard]] virtual SharingPolicy kind() const = 0;

  // May a process with this spec start, given the number of processes already live on the GPU?
  // The error's message says why not (the GPU model adds the GPU's and the process's names).
  [[nodiscard]] virtual Status admit(const ProcessSpec& spec, int live_processes) const = 0;

  // SMs that all kernels of this process may use together (sm_count when uncapped).
  [[nodiscard]] virtual int sm_cap(const ProcessSpec& spec) const = 0;

  // The process (whose spec is given) asks for `request` more bytes; `process_used` is what it
  // holds already and `gpu_used` what all processes hold (its own included).
  [[nodiscard]] virtual MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used,
                                                 int64_t request, int64_t gpu_used) const = 0;

  // Extra slowdown (>= 1) of every kernel while kernels of two or more processes run together.
  [[nodiscard]] virtual double co_run_slowdown() const { return 1.0; }

  // ---- Scheduling (trivial except under time-slicing) -------------------------------------------
  // Whether a process's kernels / copies may make progress now.
  [[nodiscard]] virtual bool kernel_may_run(ProcessId /*process*/) const { return true; }
  [[nodiscard]] virtual bool copy_may_run(ProcessId /*process*/) const { return true; }
  // Called whenever work arrives or finishes and when next_event() is due. runnable[p] is
  // non-zero when process p has unfinished work on the GPU (processes are dense ids 0..n-1).
  // Returns true when who may run changed.
  virtual bool update(sim::Time /*now*/, std::span<const uint8_t> /*runnable*/) { return false; }
  // When update() must be called next without any work arriving or finishing (Time::max(): never).
  [[nodiscard]] virtual sim::Time next_event() const { return sim::Time::max(); }
  // True while the GPU runs nothing of anyone because a context switch is in progress.
  [[nodiscard]] virtual bool switching() const { return false; }
  [[nodiscard]] virtual uint64_t context_switches() const { return 0; }
  virtual void reset_counters() {}
};

// One tenant; no caps; one fault domain (the tenant's own).
class PassthroughPolicy final : public GpuSharingPolicy {
 public:
  explicit PassthroughPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kPassthrough; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;

 private:
  const GpuProfile& profile_;
};

// Contexts take turns on the whole GPU.
//
// States: idle (no owner), owned (one context runs for up to one time slice), switching (nobody
// runs for context_switch_cost, then the target owns the GPU). Rules:
//  - Work arrives on an idle GPU: the context that was loaded last gets it back at once; any other
//    context costs a switch. (The very first context costs nothing: there is nothing to unload.)
//  - The owner runs until its slice ends. At the end of a slice, if another context has runnable
//    work, the owner is preempted (its unfinished kernels keep their remaining work and resume in
//    its next turn) and the next runnable context in round-robin order (by process id, after the
//    owner) gets the GPU after a switch; if nobody else waits, the owner starts a new slice.
//  - The owner runs out of work before its slice ends: the next runnable context gets the GPU
//    after a switch, or the GPU goes idle with the owner's context still loaded.
//  - Copies of non-owners wait too, unless the profile says copies overlap other slices.
class TimeSlicingPolicy final : public GpuSharingPolicy {
 public:
  explicit TimeSlicingPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kTimeSlicing; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;
  [[nodiscard]] bool kernel_may_run(ProcessId process) const override;
  [[nodiscard]] bool copy_may_run(ProcessId process) const override;
  bool update(sim::Time now, std::span<const uint8_t> runnable) override;
  [[nodiscard]] sim::Time next_event() const override;
  [[nodiscard]] bool switching() const override { return state_ == State::kSwitching; }
  [[nodiscard]] uint64_t context_switches() const override { return switches_; }
  void reset_counters() override { switches_ = 0; }

  static constexpr ProcessId kNobody = ~ProcessId{0};
  [[nodiscard]] ProcessId owner() const { return state_ == State::kOwned ? owner_ : kNobody; }

 private:
  enum class State { kIdle, kOwned, kSwitching };
  // The next runnable process after `after` in round-robin order, `after` itself last;
  // kNobody when none is runnable. With exclude_after, `after` itself is never returned.
  static ProcessId next_runnable(std::span<const uint8_t> runnable, ProcessId after, bool exclude_after);
  void begin_switch(sim::Time now, ProcessId target);
  void take(sim::Time now, ProcessId process);

  const GpuProfile& profile_;
  State state_ = State::kIdle;
  ProcessId owner_ = kNobody;               // the owner (kOwned) or the switch target (kSwitching)
  ProcessId loaded_ = kNobody;              // the context loaded last (kNobody before the first)
  sim::Time phase_end_ = sim::Time::max();  // end of the slice (kOwned) or the switch (kSwitching)
  uint64_t switches_ = 0;
};

// All clients run concurrently with per-client SM caps, a client limit, optional per-client
// memory limits and an interference penalty.
class MpsPolicy final : public GpuSharingPolicy {
 public:
  explicit MpsPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kMps; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;
  [[nodiscard]] double co_run_slowdown() const override { return 1.0 + profile_.mps_interference_penalty; }

 private:
  const GpuProfile& profile_;
};

std::unique_ptr<GpuSharingPolicy> make_sharing_policy(SharingPolicy policy, const GpuProfile& profile);

}  // namespace sharesim::models
