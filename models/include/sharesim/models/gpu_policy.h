// The three ways a GPU is shared, each a small class behind one interface.
//
// The concrete policies are private to the library, one file each (models/src/):
//   gpu_passthrough.*   PassthroughPolicy: one tenant (a GPU maps to exactly one VM); its streams
//                       overlap as CUDA allows.
//   gpu_time_slicing.*  TimeSlicingPolicy: contexts take turns on the whole GPU: one owner at a
//                       time, for at most one time slice while others want a turn; a switch costs
//                       idle time; round robin.
//   gpu_mps.*           MpsPolicy: all clients run concurrently; each client's kernels together
//                       use at most its CUDA_MPS_ACTIVE_THREAD_PERCENTAGE of the SMs (whole TPCs,
//                       rounded up); at most N clients; co-running clients interfere by how many
//                       co-run and how memory-bound they are, and wait longer to launch.
//
// GpuModel (gpu.h) owns the execution model (rates, streams, copies, memory); a policy answers
// only the questions where the sharing modes differ: who may start, who may run now, how many SMs
// a client may use, which processes a memory fault takes down, and when the next policy event
// (end of a slice, end of a switch) is due.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

enum class SharingPolicy { kPassthrough, kTimeSlicing, kMps };

std::string_view sharing_policy_name(SharingPolicy policy);  // "passthrough", "time-slicing", "mps"

using ProcessId = uint32_t;

// A set of a GPU's processes (dense ids 0..n-1) with the query "the first member at or after p":
// the processes that want a turn (time-slicing's round robin), the processes a GPU-wide fault
// takes down. Two levels of 64-bit words (a bit per process, and a bit per non-empty word), so
// the query reads O(n / 4096) words. The plain scans over every process that it replaces made each
// policy update and each fault O(n), and starting n processes O(n^2): 100,000 time-sliced
// replicas took 9 s to start, 24 s when they ran out of memory (issue 12).
class ProcessSet {
 public:
  static constexpr ProcessId kNone = ~ProcessId{0};
  void add_process();  // a new id, size() before the call, not a member
  void set(ProcessId p, bool member);
  [[nodiscard]] bool contains(ProcessId p) const { return ((words_[p >> 6] >> (p & 63)) & 1) != 0; }
  [[nodiscard]] ProcessId size() const { return size_; }  // processes, members or not
  [[nodiscard]] bool none() const { return members_ == 0; }
  // The smallest member >= from, kNone when there is none.
  [[nodiscard]] ProcessId first_at_or_after(ProcessId from) const;

 private:
  std::vector<uint64_t> words_;    // bit p: process p is a member
  std::vector<uint64_t> summary_;  // bit w: words_[w] != 0
  ProcessId size_ = 0;
  ProcessId members_ = 0;
};

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

// Who owns a time-sliced GPU from now on (owner kNoOwner: nobody, e.g. idle or switching).
struct TimeSliceState {
  static constexpr ProcessId kNoOwner = ~ProcessId{0};
  ProcessId owner = kNoOwner;
  bool switching = false;                  // a context switch is in progress
  sim::Time phase_end = sim::Time::max();  // end of the current slice or switch
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

  // Extra slowdown (>= 1) of a kernel while kernels of `other_processes` other processes may
  // hold SMs, whose DRAM use alone adds up to `other_dram_use` (fractions of the effective
  // bandwidth).
  [[nodiscard]] virtual double co_run_slowdown(int /*other_processes*/, double /*other_dram_use*/) const {
    return 1.0;
  }
  // Extra launch gap of each kernel while `other_processes` other processes have work on the GPU.
  [[nodiscard]] virtual sim::Time launch_gap_extra(int /*other_processes*/) const {
    return sim::Time::zero();
  }

  // ---- Scheduling (trivial except under time-slicing) -------------------------------------------
  // Whether a process's kernels / copies may make progress now.
  [[nodiscard]] virtual bool kernel_may_run(ProcessId /*process*/) const { return true; }
  [[nodiscard]] virtual bool copy_may_run(ProcessId /*process*/) const { return true; }
  // Whether a process whose only work in flight is copies needs a turn to progress them (so
  // update() must count it as waiting).
  [[nodiscard]] virtual bool copies_need_a_turn() const { return false; }
  // Called whenever work arrives or finishes and when next_event() is due. wants_turn holds
  // process p when p has work on the GPU that needs its turn to progress (processes are dense
  // ids 0..n-1). Returns true when who may run changed.
  virtual bool update(sim::Time /*now*/, const ProcessSet& /*wants_turn*/) { return false; }
  // When update() must be called next without any work arriving or finishing (Time::max(): never).
  [[nodiscard]] virtual sim::Time next_event() const { return sim::Time::max(); }
  // True while the GPU runs nothing of anyone because a context switch is in progress.
  [[nodiscard]] virtual bool switching() const { return false; }
  // Time-slicing only: who owns the GPU and when the current phase ends (what a timeline
  // observer shows); nullopt for policies without turns.
  [[nodiscard]] virtual std::optional<TimeSliceState> time_slice_state() const { return std::nullopt; }
  [[nodiscard]] virtual uint64_t context_switches() const { return 0; }
  virtual void reset_counters() {}
};

std::unique_ptr<GpuSharingPolicy> make_sharing_policy(SharingPolicy policy, const GpuProfile& profile);

}  // namespace sharesim::models
