// One modeled GPU, its sharing policy, and the processes that use it.
//
// THE EXECUTION MODEL (docs/model.md has the reasoning; the formulas are repeated here)
//
// Work is fluid: every piece of running work progresses at a rate that is recomputed whenever the
// set of running work changes (an arrival, a completion, the end of a launch gap or copy latency,
// a time-slice or context-switch boundary). Between two such instants nothing changes, so the GPU
// keeps one pending event (the earliest of those instants) and reschedules it (cancel + insert)
// after each change. Rates are recomputed over the running set only.
//
// Streams. Each process has `streams` CUDA streams. Ops of one stream run in order (one op of a
// stream is in flight at a time); streams run concurrently. submit() appends a list of ops to a
// stream and fires its Completion when the last op ends.
//
// Kernels (KernelWork, gpu_work.h: solo duration D on the full GPU; simple: SM demand, memory-
// bound fraction m; or a launch configuration and the SM / DRAM throughput it achieves alone).
//  - Launch: each kernel first spends a gap on its stream in which it uses nothing: the host's
//    kernel_launch_overhead h, plus under MPS a GPU-side g = mps_launch_gap_per_client x other
//    clients with work. LaunchMode::kSynchronous: h + g from the stream's previous op's end.
//    kAsynchronous: kernel j of a submission is issued at submit + j x h, so its gap is
//    max(0, issued - now) + g (the host runs ahead; g is not hidden). It elapses under every policy.
//  - Work left is measured in solo nanoseconds (W = D at the start); the rate x is solo-ns per ns.
//  - What it needs, fixed at its start. o_sat = issue_saturation_warps / resident warps per SM
//    (1 when the profile leaves it out). Span d (simple: sm_count when o_sat < 1, the grid spread
//    breadth first, else min(sm_demand, sm_count); configured: min(sm_count, blocks)), residency
//    o(c) of each SM of its span (simple: min(1, sm_demand / min(c, d)); configured: resident
//    blocks per SM x one block's share of the SM's threads, registers, shared memory or block
//    slots, CUDA occupancy rules), issue a (SM-equivalents alone: simple (1 - m) min(d,
//    sm_demand / o_sat); configured sm_throughput x sm_count, unknown: blocks x u / (sum over its
//    waves alone of max(1, the most loaded SM's blocks x u)), u = min(1, block residency / o_sat)), DRAM b
//    (bytes per ns alone: simple m x effective; configured dram_throughput x nominal, at most effective).
//  - Alone at c SMs (its process's cap), span s = min(c, d), F_mem = min(b, d beta) / min(b, s beta)
//    with beta = dram_bandwidth_per_sm (Little's law; 1 when beta = 0):
//        simple:     T(c) = (1 - m) max(1, min(d, sm_demand / o_sat) / s) + m F_mem
//        configured: T(c) = max(waves(s) / waves(d), a / s, 1, F_mem),  waves(s) = ceil(blocks / (L s))
//  - Interference (MPS): with N processes whose kernels may hold SMs and B their kernels' DRAM use
//    alone (sum of b / effective), I_gpu = 1 + penalty + per_client x (N - 2) + memory x B (N - 1) / N
//    (the mean client's co-runners' DRAM use); kernel k's I_k = I_gpu x r_k, r_k fixed when it
//    joins: its own value then (the same form with the other clients' DRAM use) / I_gpu then.
//    I_k = 1 while N < 2 (KernelState, docs/model.md section 3 item 4).
//  - Rates: one max-min system (sharing.h) over the kernels past their gap that the policy lets
//    run: x_k <= 1 / (T_k I_k); sum x_k sigma_k <= sm_count with sigma_k = o_k s_k T_k I_k
//    (residency, SM-space); sum x_k a_k <= sm_count (issue); sum x_k b_k <= effective (DRAM); per
//    capped process with several kernels, its sigma and a sums <= its cap; weights 1 / sigma_k
//    (SM-space held is shared fairly). A kernel alone at d SMs runs at rate 1: its solo duration.
//  - Statistics: a running kernel holds x sigma of SM-space and moves x b bytes per ns.
//
// Copies (CopyWork: direction, bytes, pinned or pageable).
//  - At most copy_engines copies are in flight on the GPU (first come, first served); the others
//    wait. A copy in flight first spends copy_latency (profile), then moves its bytes.
//  - Bytes flow at the copy's solo bandwidth (pcie_<dir>_pinned or _pageable); the copies moving
//    bytes in one direction are served first come, first served from that direction's pinned
//    bandwidth, each up to its own solo bandwidth (same-direction copies largely serialise). The
//    two directions are independent (PCIe is full duplex). Copies do not use SMs or DRAM
//    bandwidth in this model.
//  - So a copy alone takes copy_latency + bytes / bandwidth.
//
// Policies (gpu_policy.h) decide who may run: passthrough and MPS let everything run (MPS adds SM
// caps, interference and the per-client launch gap); time-slicing lets only the owner context's kernels (and
// copies, unless the profile lets copies overlap) progress, and nothing during a switch.
//
// Memory and faults. Each process allocates ProcessSpec::memory_bytes at start (and more with
// allocate()). Passthrough and time-slicing have no isolation: an allocation that does not fit in
// memory_usable fails every process of the GPU (one fault domain). MPS: an allocation beyond the
// client's CUDA_MPS_PINNED_DEVICE_MEM_LIMIT fails that client alone; one that does not fit in the
// GPU's memory is a fatal fault, which MPS reports to every client, so all fail. A failed process's
// pending and later work never completes (its Completions never fire); its fault listener fires at
// the fault time. Failed processes keep their memory until end_process() (MPS tears the clients
// down; the model does not restart them).
//
// Where the code is: gpu.cpp (processes, memory and faults, streams, the event loop),
// gpu_rates.cpp (who may run, sharing through the max-min solver of sharing.h, rates, the next
// event), gpu_statistics.cpp (utilization integrals and metrics()), gpu_observer.cpp (what a
// timeline observer is told). The policies: gpu_passthrough.cpp, gpu_time_slicing.cpp (the time
// slice and context switches), gpu_mps.cpp (MPS caps, client limit, memory limits, interference).
//
// Not thread-safe; one GpuModel belongs to one Simulator.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sharesim/models/gpu_policy.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/models/gpu_work.h"
#include "sharesim/models/sharing.h"
#include "sharesim/sim/event_queue.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::models {

struct FaultRecord {
  sim::Time at;
  ProcessId process = 0;
  std::string reason;
};

// What nvidia-smi and a profiler would report for one GPU over the measured interval (from the
// last reset_statistics(), or the start, to now).
struct GpuMetrics {
  sim::Time start;
  sim::Time end;
  sim::Time sample_window;
  // utilization.gpu: per sample window, the fraction of the window during which at least one
  // kernel was executing (holding SMs and progressing). The last window may be partial: its value
  // is the fraction of its elapsed part. `mean` is busy time / elapsed time.
  std::vector<double> utilization_gpu;
  double utilization_gpu_mean = 0;
  // Memory-controller utilization: per window, the time average of (DRAM bytes per second moved
  // by kernels / dram_bandwidth_effective), i.e. the fraction of time the bandwidth is in use,
  // weighted by the fraction used.
  std::vector<double> utilization_memory;
  double utilization_memory_mean = 0;
  // SM occupancy: SM-seconds held by kernels / (sm_count x elapsed seconds).
  double sm_occupancy = 0;
  double copy_engine_busy_seconds = 0;  // sum over engines of the time each held a copy
  double copy_any_busy_fraction = 0;    // fraction of time at least one copy was in flight
  // Per sample window (same windows as utilization_gpu): SM occupancy (SM-seconds held by kernels
  // / (sm_count x window seconds)) and the fraction of the window with at least one copy in
  // flight (copy-engine busy, as a profiler's "copy engine utilization"). For dmon and charts.
  std::vector<double> sm_occupancy_series;
  std::vector<double> copy_busy_series;
  int64_t memory_used_bytes = 0;  // now
  int64_t memory_peak_bytes = 0;  // highest since the reset
  uint64_t context_switches = 0;
  // Faults are counted from the start of the run, whatever the warm-up: a fault during the
  // warm-up (out of memory at t = 0) must stay visible.
  uint64_t faults = 0;            // fault events (one event may fail several processes)
  uint64_t failed_processes = 0;  // processes failed by them
  uint64_t kernels_completed = 0;
  uint64_t copies_completed = 0;
};

// Receives the GPU's timeline as it happens (for traces and timelines in reports). Calls are
// synchronous, from inside the model: an observer must not call back into the GpuModel.
class GpuObserver {
 public:
  virtual ~GpuObserver() = default;
  // An op reached the GPU (it became the head of its stream): a kernel's launch gap starts, a copy
  // starts waiting for an engine. `name` is the op's name (KernelWork/CopyWork::name).
  virtual void op_started(sim::Time at, ProcessId process, int stream, bool is_kernel,
                          std::string_view name) = 0;
  // The op finished.
  virtual void op_finished(sim::Time at, ProcessId process, int stream, bool is_kernel,
                           std::string_view name) = 0;
  // The process failed (its in-flight op, if any, will never finish).
  virtual void process_failed(sim::Time /*at*/, ProcessId /*process*/, const std::string& /*reason*/) {}
  // The op starts (running = true) or stops (false) executing: a kernel holds SMs and progresses
  // (its launch gap is over and its context may run), a copy holds a copy engine. Under
  // time-slicing a kernel stops at each preemption and starts again in its context's next slice.
  // A running op that finishes gets op_finished without a preceding stop.
  virtual void op_running(sim::Time /*at*/, ProcessId /*process*/, int /*stream*/, bool /*is_kernel*/,
                          std::string_view /*name*/, bool /*running*/) {}
  // Time-slicing only: from `at` on, `owner` owns the GPU (kNoOwner: nobody, e.g. idle or during
  // a switch); `switching` is true while a context switch is in progress. Also called when the
  // same owner starts a new time slice after its previous one ended.
  static constexpr ProcessId kNoOwner = TimeSliceState::kNoOwner;
  virtual void time_slice(sim::Time /*at*/, ProcessId /*owner*/, bool /*switching*/) {}
};

namespace detail {
struct LevelState;  // gpu_levels.h (private)
// The state of an op in flight in GpuModel (outside the class only so that std::variant sees
// complete types).
// A kernel in flight: its parameters, progress and grants.
struct KernelState {
  int64_t launch_gap_left_ns = 0;  // it holds nothing until its launch gap is over
  double solo_ns_left = 0;         // work left, in solo nanoseconds
  // What it needs, fixed at its start (gpu.h "Kernels" has the formulas).
  int blocks = 0;              // 0: a simple kernel (sm_demand, memory_bound only)
  int blocks_per_sm = 0;       // L: resident blocks per SM allowed by its launch configuration
  double block_residency = 0;  // the fraction of one SM's residency one block takes
  double span = 0;             // d: SMs its grid spreads over on the whole GPU
  double full_sms = 0;         // simple: the SMs its grid fills at full residency (sm_demand)
  double memory_bound = 0;     // m (simple kernels)
  double issue = 0;            // a: SM-equivalents of issue throughput it uses alone (<= d)
  double dram_demand = 0;      // b: bytes per ns it moves alone
  double alone = 1;            // T(c) at its process's SM cap c (fixed: the cap is)
  double space = 0;            // o(c) x min(c, d) x T(c): SM-space per unit of rate alone
  double dram_use = 0;         // b / effective bandwidth: its share of DRAM alone (interference)
  // Interference (docs/model.md section 3, item 4): I(t) = I_gpu(t) x ratio while other clients'
  // kernels share the GPU (1 alone), I_gpu the GPU-wide level of the co-runners now (how many,
  // their mean DRAM use) and ratio fixed at the instant it joins the kernels that share the GPU
  // (its launch gap over, allowed to run): its own interference then (the co-runners' DRAM use
  // without its own client's) over I_gpu then. Kernels that join at one instant see the same
  // co-runners: their ratio is taken again while that instant lasts.
  bool joined = false;
  int64_t joined_at_ns = 0;
  double ratio = 1;
  // Recomputed at each change by the general path (the level path keeps its own, gpu_levels.h).
  double slowdown = 1;  // T(c) x I: its time alone at its SMs / its solo time
  double sigma = 0;     // space x I: SM-space per unit of rate
  double sms = 0;       // SM-space it holds: SMs x the residency it takes on them (occupancy)
  double rate = 0;      // solo-ns per ns
  // The level path's state (valid only while it holds the kernels, see GpuModel::levels_).
  uint8_t phase = 0;   // LevelState::Phase
  int64_t ref_ns = 0;  // kGap: when its launch gap ends
  double v_end = 0;    // kBound / kLevel: the value of its phase's virtual clock at which it finishes
  // Its keys on the level path (gpu_levels.h), in y = x I_gpu: bound u0, weight w0, level u0 / w0
  // and SM-space per unit a_space (set by levels_key when it joins and when its ratio changes).
  double y_bound = 0, y_weight = 0, y_level = 0, y_space = 0;
};
// A copy in flight.
struct CopyState {
  int64_t latency_left_ns = 0;  // elapses only while it holds an engine
  double bytes_left = 0;
  bool host_to_device = true;
  double solo_bandwidth = 0;  // bytes per ns
  bool holds_engine = false;
  double rate = 0;  // bytes per ns granted on its PCIe direction
};
}  // namespace detail

class GpuModel {
 public:
  // The profile must outlive the model.
  GpuModel(sim::Simulator& sim, const GpuProfile& profile, SharingPolicy policy, std::string name);
  ~GpuModel();
  GpuModel(const GpuModel&) = delete;
  GpuModel& operator=(const GpuModel&) = delete;

  // Starts a process on this GPU. Fails (the error's message says why) for a second tenant under
  // passthrough, the client beyond the MPS limit, or a spec that is out of range (streams < 1,
  // negative memory, an active-thread percentage outside 1..100). A memory fault is not an error
  // here: the process starts and the fault is reported through the fault listeners (see
  // set_fault_listener) at the current time, so a listener registered right after start_process
  // still hears it.
  Result<ProcessId> start_process(const ProcessSpec& spec);
  // Ends a process: drops its pending work (its Completions never fire) and frees its memory and
  // its place among the tenants / MPS clients.
  void end_process(ProcessId process);
  // Enqueues ops on one stream of a process; they run in order; `done` fires when the last ends
  // (at once, i.e. scheduled at now, for an empty list). Work for a failed or ended process is
  // dropped. REQUIRES: process was returned by start_process; 0 <= stream < spec.streams.
  // `launch` says when the host issues the kernels' launches (gpu_work.h).
  void submit(ProcessId process, int stream, std::vector<GpuOp> ops, Completion done,
              LaunchMode launch = LaunchMode::kSynchronous);
  // Allocates more device memory for a running process (e.g. a model growing its cache); may
  // fault as start_process's allocation does.
  void allocate(ProcessId process, int64_t bytes);
  // The handler and payload scheduled when this process fails (once).
  void set_fault_listener(ProcessId process, Completion listener);

  // Optional; the observer must outlive the model or be reset with nullptr. Costs nothing when unset.
  void set_observer(GpuObserver* observer) { observer_ = observer; }

  // The level path (gpu_levels.cpp, docs/performance.md): under MPS, without an observer or a
  // capped client with several kernels in flight, a change costs O(log n) in the kernels in flight
  // (plus the copies in flight, shared as by the general path); otherwise, and when the max-min solution
  // takes more than one round, every change is computed by the general path. Both compute the same model
  // (they differ in rounding only). kAuto takes the level path where it is the cheaper (enough kernels in
  // flight, few moves); kAlways wherever it can (tests); kOff never (tests, `bench gpu --exact`). Takes
  // effect at the next change.
  enum class LevelSharing { kOff, kAuto, kAlways };
  void set_level_sharing(LevelSharing mode) { level_sharing_ = mode; }
  // Changes computed by the level path since the start (tests and benchmarks check it was used).
  [[nodiscard]] uint64_t level_path_changes() const { return level_path_changes_; }

  [[nodiscard]] bool failed(ProcessId process) const;
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const GpuProfile& profile() const { return profile_; }
  [[nodiscard]] SharingPolicy policy() const { return policy_->kind(); }
  [[nodiscard]] const std::vector<FaultRecord>& faults() const { return fault_log_; }
  // SMs the process's kernels may use together.
  [[nodiscard]] int sm_cap(ProcessId process) const;
  [[nodiscard]] int64_t memory_used() const { return memory_used_; }

  // ---- Metrics -----------------------------------------------------------------------------------
  // The sample window of utilization series (default 1 s, as nvidia-smi's longest period).
  // Takes effect from the next reset_statistics() (or now, if nothing was measured yet).
  void set_sample_window(sim::Time window);
  // Forgets everything measured so far (the end of a warm-up); counts restart at zero.
  void reset_statistics();
  [[nodiscard]] GpuMetrics metrics() const;

 private:
  // PRIVATE INVARIANTS (asserted in debug builds by check_invariants()):
  //  I1 Work due at `now` is completed before any change of the running set or of the policy's
  //     state: every entry point that changes them (start_process, end_process, submit,
  //     allocate, the GPU's own event) first integrates progress to now and completes what is due
  //     (settle), and only then changes the set and recomputes. So results do not depend on the
  //     order of same-time events (a kernel with no work left is never preempted at a slice end).
  //  I2 active_ holds exactly the ops in flight, in start order; each is its stream's active_op
  //     and counted once in its process's ops_in_flight / kernels_in_flight.
  //  I3 After recompute(): the SMs granted sum to at most sm_count, and a process's kernels' SMs
  //     to at most its cap; a kernel holds SMs only when its launch gap is over and the policy lets
  //     it run; at most copy_engines copies hold an engine.
  //  I4 wants_turn_ (what the time-slicing policy sees) holds p exactly when process p has an op
  //     in flight that needs its context's turn to progress: a kernel, or a copy when the policy
  //     says copies need a turn (time-slicing without timeslice_copies_overlap).
  //  I5 healthy_ holds exactly the processes that neither failed nor ended.
  struct Submission {
    std::vector<GpuOp> ops;
    uint32_t next_op = 0;
    Completion done;
    LaunchMode launch = LaunchMode::kSynchronous;
    sim::Time submitted_at;         // when the host started issuing it
    uint32_t kernels_launched = 0;  // kernels of it started so far
  };
  // A FIFO of submissions that reuses its slots (no allocation in steady state).
  struct SubmissionRing {
    std::vector<Submission> slots;
    size_t head = 0;
    size_t size = 0;
    void push(Submission s);
    Submission& front() { return slots[head]; }
    void pop();
    void clear();
  };
  struct Stream {
    SubmissionRing queue;
    ProcessId process = 0;
    int32_t active_op = -1;  // index into ops_, or -1 when the stream is idle
  };
  struct Process {
    ProcessSpec spec;
    int sm_cap = 0;
    int64_t memory = 0;
    uint32_t first_stream = 0;
    uint32_t ops_in_flight = 0;
    uint32_t kernels_in_flight = 0;
    bool failed = false;
    bool ended = false;
    std::optional<Completion> fault_listener;
  };
  using KernelState = detail::KernelState;
  using CopyState = detail::CopyState;
  // One op in flight (the head op of a stream). start_next_op sets every field of a reused slot
  // one by one: a field added here must be set there.
  struct InFlightOp {
    std::string_view name;
    ProcessId process = 0;
    uint32_t stream = 0;
    bool in_use = false;
    uint64_t seq = 0;                      // start order (the level path's ties and finishing order)
    bool may_run = false;                  // the policy's answer at the last recompute
    bool observed_running = false;         // what the observer was last told (op_running)
    sim::Time next_at = sim::Time::max();  // end of the current phase at the current rate
    std::variant<KernelState, CopyState> work;
    [[nodiscard]] bool is_kernel() const { return work.index() == 0; }
    KernelState& kernel() { return std::get<KernelState>(work); }
    CopyState& copy() { return std::get<CopyState>(work); }
    [[nodiscard]] const KernelState& kernel() const { return std::get<KernelState>(work); }
    [[nodiscard]] const CopyState& copy() const { return std::get<CopyState>(work); }
    // Progressing now (a kernel past its gap at a positive rate; a copy moving bytes or its latency).
    [[nodiscard]] bool running() const;
    // Integrates its progress over dt (dt_ns nanoseconds) at the current rates.
    void advance(int64_t dt_ns, double dt);
  };
  // What the statistics integrate: the GPU's use between two changes.
  struct Usage {
    bool kernel_busy = false;
    double sms_used = 0;
    double dram_fraction = 0;  // DRAM bytes moved per ns / effective bandwidth per ns
    int copies_in_flight = 0;
  };
  // Time integrals of Usage since a start instant, in total and per sample window.
  struct UsageIntegrals {
    sim::Time start;
    sim::Time window = sim::Time::s(1);
    double busy_ns = 0;
    double sm_ns = 0;
    double dram_ns = 0;
    double copy_engine_ns = 0;
    double copy_any_ns = 0;
    std::vector<double> busy_series_ns;
    std::vector<double> dram_series_ns;
    std::vector<double> sm_series_ns;    // SM-ns / sm_count per window
    std::vector<double> copy_series_ns;  // ns with >= 1 copy in flight per window
    // The window being filled: its sums go into the series when a later interval starts past its
    // end (flush_window), and at a read (metrics() flushes a copy), not at every change. The sums
    // are the same additions in the same order as adding into the series directly.
    int64_t window_index = 0;
    double busy_in_window = 0, sm_in_window = 0, dram_in_window = 0, copy_in_window = 0;
    void add(sim::Time from, sim::Time to, const Usage& usage, int sm_count);
    void flush_window();
  };

  // Lifecycle (gpu.cpp).
  void on_event();
  void settle(sim::Time now);      // advance_to(now), then finish what is due at now: I1
  void advance_to(sim::Time now);  // progress and statistics only (reset_statistics)
  void start_next_op(uint32_t stream_index, sim::Time now);
  void finish_op(uint32_t op, sim::Time now);
  void drop_work(ProcessId process);
  uint32_t allocate_op();
  void release_op(uint32_t op);
  void count_in_flight(const InFlightOp& op, int delta);
  void fail_processes(const std::vector<ProcessId>& victims, const std::string& reason, sim::Time now);
  void handle_memory_request(ProcessId process, int64_t bytes, sim::Time now);
  void check_invariants() const;
  // Rates and sharing (gpu_rates.cpp).
  void recompute(sim::Time now);
  // Grant rates, set next_at and usage_, lower `next` to the earliest next_at (after recompute's pass).
  void share_kernels(sim::Time now, int processes, double dram_total, sim::Time& next);
  // `ops`: the ops in flight in start order (kernels among them are skipped).
  void share_copies(const std::vector<uint32_t>& ops, sim::Time now, sim::Time& next);
  [[nodiscard]] KernelState describe_kernel(const KernelWork& work) const;
  [[nodiscard]] double alone_slowdown(const KernelState& k, double sms) const;     // T(c)
  [[nodiscard]] double resident_fraction(const KernelState& k, double sms) const;  // o(c)
  [[nodiscard]] double issue_saturation_occupancy() const;                         // o_sat
  // I_gpu and a joining kernel's ratio (KernelState's comment): `processes` have kernels that
  // share the GPU, with DRAM use alone `dram_total` in all and `own_dram` of its own process.
  [[nodiscard]] double gpu_interference(int processes, double dram_total) const;
  [[nodiscard]] double interference_ratio(int processes, double dram_total, double own_dram,
                                          double gpu) const;
  void reschedule(sim::Time next);
  // The level path (gpu_levels.cpp). REQUIRES for all: last_update_ == now (after settle).
  [[nodiscard]] bool levels_eligible() const;
  void enter_levels(sim::Time now);                   // the kernels of active_ into the level state
  [[nodiscard]] bool share_by_levels(sim::Time now);  // false: the general path must compute this change
  void leave_levels(sim::Time now);           // back to the general path: every op exact, active_ rebuilt
  void settle_levels(sim::Time now);          // settle() while the level path holds the kernels
  void advance_levels(sim::Time now);         // advance_to() likewise
  void levels_add_co_runner(uint32_t op);     // into the counts I_gpu and ratios are taken from
  void levels_remove_co_runner(uint32_t op);  // out of them
  void sort_by_start(std::vector<uint32_t>& ops) const;  // op slots in start order (seq)
  void levels_join(uint32_t op, double work_left);       // a kernel past its gap into L
  void levels_to_bound(uint32_t op);
  void levels_to_level(uint32_t op);
  [[nodiscard]] double levels_work_left(const KernelState& k) const;
  void levels_key(KernelState& k) const;  // its y_ keys from its ratio and LevelState::keyed_alone
  void levels_leave(uint32_t op);         // out of B or L and their sums (still a co-runner)
  void levels_resum();                    // the sums and the co-runners afresh, the clocks rebased to 0
  void check_level_invariants() const;
  // Statistics (gpu_statistics.cpp).
  void reset_stats_at(sim::Time now);
  // What the observer sees (gpu_observer.cpp).
  void notify_observer(sim::Time now);  // REQUIRES: observer_ set; after a recompute

  sim::Simulator& sim_;
  const GpuProfile& profile_;
  GpuObserver* observer_ = nullptr;
  std::unique_ptr<GpuSharingPolicy> policy_;
  std::unique_ptr<SharingSolver> solver_;
  std::string name_;
  sim::HandlerId handler_ = 0;
  sim::EventHandle next_event_;
  sim::Time next_event_at_ = sim::Time::max();
  sim::Time last_update_;

  std::vector<Process> processes_;
  std::vector<Stream> streams_;
  std::vector<InFlightOp> ops_;
  std::vector<uint32_t> free_ops_;
  std::vector<uint32_t> active_;  // ops in flight, in start order
  ProcessSet wants_turn_;         // per process: I4 (the time-slicing policy's input)
  ProcessSet healthy_;            // the processes neither failed nor ended (a GPU-wide fault's victims)
  int live_processes_ = 0;
  int64_t memory_used_ = 0;
  std::vector<FaultRecord> fault_log_;

  // Scratch for the rate computation, kept to avoid allocating per change.
  DenseMaxMinSystem dense_sharing_;       // the system when no process has a cap constraint of its own
  MaxMinSystem sharing_;                  // the system otherwise (grouped_)
  bool grouped_ = false;                  // a capped process has several kernels to share
  std::vector<uint32_t> shared_ops_;      // the op of each variable of the system
  std::vector<MaxMinSystem::Id> cap_of_;  // per process: its SM-cap constraint, or kNoConstraint
  std::vector<double> client_dram_;       // per process: DRAM use of its kernels that may run now
  int busy_processes_ = 0;                // processes with an op in flight
  uint32_t copies_in_flight_ = 0;         // copies in active_ (their sharing is skipped without any)
  std::vector<uint32_t> due_;
  static constexpr MaxMinSystem::Id kNoConstraint = ~MaxMinSystem::Id{0};

  Usage usage_;  // the current state between changes

  std::unique_ptr<detail::LevelState> levels_;  // never null
  LevelSharing level_sharing_ = LevelSharing::kAuto;
  uint64_t level_path_changes_ = 0;
  uint64_t next_seq_ = 0;      // the next op's start sequence
  int grouped_processes_ = 0;  // capped processes with several kernels in flight (general path only)
  int kernels_in_flight_ = 0;  // over all processes

  // Statistics since integrals_.start.
  UsageIntegrals integrals_;
  sim::Time next_sample_window_ = sim::Time::s(1);
  // What the observer was last told about time-slice ownership.
  ProcessId observed_owner_ = GpuObserver::kNoOwner;
  bool observed_switching_ = false;
  sim::Time observed_phase_end_ = sim::Time::max();
  int64_t memory_peak_ = 0;
  uint64_t faults_ = 0;            // since the start: a warm-up reset keeps them
  uint64_t failed_processes_ = 0;  // since the start
  uint64_t kernels_completed_ = 0;
  uint64_t copies_completed_ = 0;
};

}  // namespace sharesim::models
