// sharesim-calibrate: CUDA microbenchmarks that measure what sharesim's GPU model needs.
//
//   sharesim-calibrate [--suite copies,launch,sm-scaling,overlap,sharing|all] [-o raw.csv]
//                      [--device N] [--mps auto|on|off] [--quick]
//
// Runs the cases of the shared plan (calibrate/include/sharesim/calibrate/plan.h) and writes the
// raw measurements in the long CSV format of raw_csv.h. The sharing suite re-executes this program
// as child processes (hidden flag --child) so that several CUDA contexts compete for the GPU.
// Every CUDA call's status is checked; without a usable GPU the program says so and exits with 1.
#include <cuda_runtime.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kernels.cuh"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_csv.h"

namespace sharesim::calibrate::cuda {
namespace {

constexpr const char* kProgram = "sharesim-calibrate";

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", kProgram, message.c_str());
  std::fflush(stderr);
  std::exit(1);
}

void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    fail(std::string(file) + ":" + std::to_string(line) + ": " + call + ": " + cudaGetErrorName(status) +
         ": " + cudaGetErrorString(status));
  }
}
#define CUDA_CHECK(call) check((call), #call, __FILE__, __LINE__)
// After a kernel launch: configuration errors show up in cudaGetLastError.
#define CUDA_CHECK_LAUNCH() check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)

// A whole number, or a clear failure (never an exception).
template <class T>
T parse_integer(const std::string& text, const char* what) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    fail(std::string(what) + ": expected an integer, found '" + text + "'");
  }
  return value;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// ---- RAII holders for CUDA resources (errors on release are reported, not ignored) --------------
struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(size_t bytes) { CUDA_CHECK(cudaMalloc(&ptr, bytes)); }
  ~DeviceBuffer() {
    if (ptr != nullptr) CUDA_CHECK(cudaFree(ptr));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr);
  }
};

struct PinnedBuffer {
  void* ptr = nullptr;
  explicit PinnedBuffer(size_t bytes) {
    CUDA_CHECK(cudaMallocHost(&ptr, bytes));
    std::memset(ptr, 1, bytes);
  }
  ~PinnedBuffer() {
    if (ptr != nullptr) CUDA_CHECK(cudaFreeHost(ptr));
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};

struct Stream {
  cudaStream_t stream = nullptr;
  Stream() { CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)); }
  ~Stream() { CUDA_CHECK(cudaStreamDestroy(stream)); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
};

struct Event {
  cudaEvent_t event = nullptr;
  Event() { CUDA_CHECK(cudaEventCreate(&event)); }
  ~Event() { CUDA_CHECK(cudaEventDestroy(event)); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

double elapsed_ns(const Event& start, const Event& stop) {
  float ms = 0;
  CUDA_CHECK(cudaEventElapsedTime(&ms, start.event, stop.event));
  return static_cast<double>(ms) * 1e6;
}

// Stamps for `launches` kernels: starts at UINT64_MAX, ends at 0 (see stamp_block_start/end).
struct Stamps {
  int launches;
  DeviceBuffer buffer;
  explicit Stamps(int n) : launches(n), buffer(sizeof(unsigned long long) * 2 * static_cast<size_t>(n)) {
    reset();
  }
  void reset() {
    std::vector<unsigned long long> init(2 * static_cast<size_t>(launches), 0);
    for (int k = 0; k < launches; ++k)
      init[2 * static_cast<size_t>(k)] = std::numeric_limits<unsigned long long>::max();
    CUDA_CHECK(cudaMemcpy(buffer.ptr, init.data(), init.size() * sizeof init[0], cudaMemcpyHostToDevice));
  }
  std::vector<unsigned long long> read() const {
    std::vector<unsigned long long> host(2 * static_cast<size_t>(launches));
    CUDA_CHECK(cudaMemcpy(host.data(), buffer.ptr, host.size() * sizeof host[0], cudaMemcpyDeviceToHost));
    return host;
  }
};

void launch_compute(const ComputeKernelShape& shape, float* sink, unsigned long long* stamps, int launch,
                    cudaStream_t stream) {
  compute_kernel<<<shape.blocks, kThreadsPerBlock, 0, stream>>>(shape.iterations, sink, stamps, launch);
  CUDA_CHECK_LAUNCH();
}

void launch_memory(const MemoryKernelShape& shape, const void* src, void* dst, unsigned long long* stamps,
                   int launch, cudaStream_t stream) {
  const int64_t vectors = shape.bytes_per_block / 32;  // 16 B read + 16 B written per vector
  memory_kernel<<<shape.blocks, kThreadsPerBlock, 0, stream>>>(
      static_cast<const float4*>(src), static_cast<float4*>(dst), vectors, stamps, launch);
  CUDA_CHECK_LAUNCH();
}

// ---- Options ----------------------------------------------------------------------------------------
struct Options {
  std::vector<SuiteId> suites = all_suites();
  std::string output = "sharesim-calibration.csv";
  int device = 0;
  std::string mps = "auto";
  bool quick = false;
};

void print_usage() {
  std::printf(
      "usage: %s [--suite LIST] [-o FILE] [--device N] [--mps auto|on|off] [--quick]\n"
      "  --suite LIST   comma-separated suites: copies, launch, sm-scaling, overlap, sharing, or all "
      "(default)\n"
      "  -o FILE        raw measurements CSV (default sharesim-calibration.csv)\n"
      "  --device N     CUDA device index (default 0)\n"
      "  --mps MODE     whether an MPS control daemon serves this GPU: auto (look for its control pipe\n"
      "                 in $CUDA_MPS_PIPE_DIRECTORY or /tmp/nvidia-mps), on, off (default auto)\n"
      "  --quick        fewer repetitions (a smoke test, not a calibration)\n"
      "Then: sharesim calibrate fit FILE -o my-gpu.yaml   (see docs/calibration.md)\n",
      kProgram);
}

// ---- Device information -------------------------------------------------------------------------------
struct DeviceInfo {
  cudaDeviceProp prop{};
  int clock_khz = 0;
  int memory_clock_khz = 0;
  int driver_version = 0;
  int runtime_version = 0;
  int compute_mode = 0;  // cudaComputeMode
  bool mps = false;
};

const char* compute_mode_name(int mode) {
  switch (mode) {
    case cudaComputeModeDefault:
      return "default";
    case cudaComputeModeExclusiveProcess:
      return "exclusive_process";
    case cudaComputeModeProhibited:
      return "prohibited";
    default:
      return "unknown";
  }
}

bool mps_control_pipe_exists() {
  const char* dir = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp/nvidia-mps") + "/control";
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

DeviceInfo query_device(const Options& options) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    std::string why = status != cudaSuccess
                          ? std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status)
                          : std::string("no devices");
    fail(
        "no CUDA device available (cudaGetDeviceCount: " + why +
        "); run sharesim-calibrate on a machine with an NVIDIA GPU and its driver (see docs/calibration.md)");
  }
  if (options.device < 0 || options.device >= count) {
    fail("--device " + std::to_string(options.device) + " does not exist (this machine has " +
         std::to_string(count) + " CUDA device(s), numbered from 0)");
  }
  CUDA_CHECK(cudaSetDevice(options.device));
  DeviceInfo info;
  CUDA_CHECK(cudaGetDeviceProperties(&info.prop, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.clock_khz, cudaDevAttrClockRate, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.memory_clock_khz, cudaDevAttrMemoryClockRate, options.device));
  CUDA_CHECK(cudaDeviceGetAttribute(&info.compute_mode, cudaDevAttrComputeMode, options.device));
  CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  if (options.mps == "on") {
    info.mps = true;
  } else if (options.mps == "off") {
    info.mps = false;
  } else {
    info.mps = mps_control_pipe_exists();
  }
  return info;
}

void record_device(const DeviceInfo& info, const Options& options, RawData& data) {
  const cudaDeviceProp& p = info.prop;
  data.set_header(kHeaderDeviceName, p.name);
  data.set_header(kHeaderSmCount, std::to_string(p.multiProcessorCount));
  data.set_header(kHeaderComputeCapability, std::to_string(p.major) + "." + std::to_string(p.minor));
  data.set_header(kHeaderFp32LanesPerSm, std::to_string(fp32_lanes_per_sm(p.major, p.minor)));
  data.set_header(kHeaderClockMhz, std::to_string(info.clock_khz / 1000));
  data.set_header(kHeaderMemoryClockMhz, std::to_string(info.memory_clock_khz / 1000));
  data.set_header(kHeaderMemoryBusBits, std::to_string(p.memoryBusWidth));
  data.set_header(kHeaderMemoryBytes, std::to_string(p.totalGlobalMem));
  data.set_header(kHeaderAsyncEngines, std::to_string(p.asyncEngineCount));
  data.set_header(kHeaderDriverVersion, std::to_string(info.driver_version));
  data.set_header(kHeaderRuntimeVersion, std::to_string(info.runtime_version));
  data.set_header(kHeaderMps, info.mps ? "on" : "off");
  data.set_header(kHeaderComputeMode, compute_mode_name(info.compute_mode));
  data.set_header(kHeaderTool, std::string(kProgram) + " 0.1.0");
  std::string suites;
  for (SuiteId suite : options.suites) {
    if (!suites.empty()) suites += ',';
    suites += suite_name(suite);
  }
  data.set_header(kHeaderSuites, suites);
}

// ---- Suite: copies ------------------------------------------------------------------------------------
void run_copies(const Plan& plan, RawData& data) {
  const int64_t max_bytes = plan.copies.sizes_bytes.back();
  const auto max_size = static_cast<size_t>(max_bytes);
  DeviceBuffer device(max_size);
  PinnedBuffer pinned(max_size);
  std::vector<char> pageable(max_size, 1);  // touched, so its pages are resident
  Stream stream;
  Event start, stop;
  for (bool h2d : {true, false}) {
    for (bool is_pinned : {true, false}) {
      void* host = is_pinned ? pinned.ptr : static_cast<void*>(pageable.data());
      const std::string case_name = copy_case_name(h2d, is_pinned);
      for (int64_t bytes : plan.copies.sizes_bytes) {
        const auto size = static_cast<size_t>(bytes);
        std::vector<double> times;
        for (int rep = -plan.copies.warmup; rep < plan.copies.reps; ++rep) {
          CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
          if (h2d) {
            CUDA_CHECK(cudaMemcpyAsync(device.ptr, host, size, cudaMemcpyHostToDevice, stream.stream));
          } else {
            CUDA_CHECK(cudaMemcpyAsync(host, device.ptr, size, cudaMemcpyDeviceToHost, stream.stream));
          }
          CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
          CUDA_CHECK(cudaEventSynchronize(stop.event));
          if (rep < 0) continue;
          double ns = elapsed_ns(start, stop);
          times.push_back(ns);
          data.add("copies", case_name, param_string({{"bytes", bytes}}), "time", ns, "ns", rep);
        }
        double t = median(times);
        std::fprintf(stderr, "  copies %-12s %10lld B  median %10.1f us  %7.2f GB/s\n", case_name.c_str(),
                     static_cast<long long>(bytes), t * 1e-3, static_cast<double>(bytes) / t);
      }
    }
  }
}

// ---- Suite: launch -----------------------------------------------------------------------------------
void run_launch(const Plan& plan, RawData& data) {
  Stream stream;
  // Host-side cost of launching empty kernels back to back, and their throughput.
  for (int rep = -1; rep < plan.launch.host_reps; ++rep) {
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < plan.launch.host_launches; ++i) empty_kernel<<<1, 1, 0, stream.stream>>>();
    CUDA_CHECK_LAUNCH();
    auto t1 = std::chrono::steady_clock::now();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    auto t2 = std::chrono::steady_clock::now();
    if (rep < 0) continue;
    const double n = plan.launch.host_launches;
    const std::string param = param_string({{"kernels", plan.launch.host_launches}});
    data.add("launch", "host_launch", param, "time_per_launch",
             static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / n,
             "ns", rep);
    data.add("launch", "host_launch", param, "time_per_kernel",
             static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t2 - t0).count()) / n,
             "ns", rep);
  }
  // GPU-side gaps between consecutive kernels of one stream.
  const int kernels = plan.launch.gap_kernels;
  DeviceBuffer stamps(sizeof(unsigned long long) * 2 * static_cast<size_t>(kernels));
  std::vector<double> gaps;
  int64_t item = 0;
  for (int rep = -1; rep < plan.launch.gap_reps; ++rep) {
    for (int k = 0; k < kernels; ++k)
      stamp_kernel<<<1, 1, 0, stream.stream>>>(stamps.as<unsigned long long>(), k);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    std::vector<unsigned long long> host(2 * static_cast<size_t>(kernels));
    CUDA_CHECK(cudaMemcpy(host.data(), stamps.ptr, host.size() * sizeof host[0], cudaMemcpyDeviceToHost));
    if (rep < 0) continue;
    for (int k = 1; k < kernels; ++k) {
      double gap = static_cast<double>(host[2 * static_cast<size_t>(k)]) -
                   static_cast<double>(host[2 * static_cast<size_t>(k) - 1]);
      gaps.push_back(gap);
      data.add("launch", "back_to_back", param_string({{"kernels", kernels}}), "gap", gap, "ns", item++);
    }
  }
  // One empty kernel timed with events.
  Event start, stop;
  std::vector<double> single;
  for (int rep = -3; rep < plan.launch.event_reps; ++rep) {
    CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
    empty_kernel<<<1, 1, 0, stream.stream>>>();
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
    CUDA_CHECK(cudaEventSynchronize(stop.event));
    if (rep < 0) continue;
    double ns = elapsed_ns(start, stop);
    single.push_back(ns);
    data.add("launch", "empty_kernel", param_string({{"kernels", 1}}), "time", ns, "ns", rep);
  }
  std::fprintf(stderr, "  launch: back-to-back gap median %.0f ns, empty kernel (events) median %.0f ns\n",
               median(gaps), median(single));
}

// ---- Suite: sm-scaling --------------------------------------------------------------------------------
void run_sm_scaling(const Plan& plan, RawData& data) {
  const SmScalingPlan& p = plan.sm_scaling;
  const int max_grid = *std::max_element(p.grids.begin(), p.grids.end());
  DeviceBuffer sink(sizeof(float) * static_cast<size_t>(max_grid));
  const auto half_bytes = static_cast<size_t>(p.memory_bytes_per_block / 2) * static_cast<size_t>(max_grid);
  DeviceBuffer src(half_bytes), dst(half_bytes);
  CUDA_CHECK(cudaMemset(src.ptr, 0, half_bytes));
  Stream stream;
  Event start, stop;
  for (int grid : p.grids) {
    ComputeKernelShape compute{.blocks = grid, .iterations = p.compute_iterations};
    MemoryKernelShape memory{.blocks = grid, .bytes_per_block = p.memory_bytes_per_block};
    std::vector<double> compute_times, memory_times;
    for (int rep = -1; rep < p.reps; ++rep) {
      CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
      launch_compute(compute, sink.as<float>(), nullptr, 0, stream.stream);
      CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
      CUDA_CHECK(cudaEventSynchronize(stop.event));
      double tc = elapsed_ns(start, stop);
      CUDA_CHECK(cudaEventRecord(start.event, stream.stream));
      launch_memory(memory, src.ptr, dst.ptr, nullptr, 0, stream.stream);
      CUDA_CHECK(cudaEventRecord(stop.event, stream.stream));
      CUDA_CHECK(cudaEventSynchronize(stop.event));
      double tm = elapsed_ns(start, stop);
      if (rep < 0) continue;
      compute_times.push_back(tc);
      memory_times.push_back(tm);
      data.add("sm-scaling", "compute",
               param_string({{"blocks", grid}, {"iterations", p.compute_iterations}}), "time", tc, "ns", rep);
      data.add("sm-scaling", "memory",
               param_string({{"blocks", grid}, {"bytes_per_block", p.memory_bytes_per_block}}), "time", tm,
               "ns", rep);
    }
    std::fprintf(stderr, "  sm-scaling grid %5d: compute %9.1f us, memory %9.1f us (%.1f GB/s)\n", grid,
                 median(compute_times) * 1e-3, median(memory_times) * 1e-3,
                 memory.bytes() / median(memory_times));
  }
}

// ---- Suite: overlap ------------------------------------------------------------------------------------
void run_overlap(const Plan& plan, RawData& data) {
  const OverlapPlan& p = plan.overlap;
  const auto bytes = static_cast<size_t>(p.copy_bytes);
  DeviceBuffer sink(sizeof(float) * static_cast<size_t>(p.kernel.blocks));
  DeviceBuffer device_in(bytes), device_out(bytes);
  PinnedBuffer host_in(bytes), host_out(bytes);
  Stream s_kernel, s_h2d, s_d2h;
  Event start, stop, k_end, h_end, d_end;
  const std::string param = param_string(
      {{"bytes", p.copy_bytes}, {"blocks", p.kernel.blocks}, {"iterations", p.kernel.iterations}});
  auto time_alone = [&](int which) {
    CUDA_CHECK(cudaEventRecord(start.event, s_kernel.stream));
    if (which == 0) launch_compute(p.kernel, sink.as<float>(), nullptr, 0, s_kernel.stream);
    if (which == 1)
      CUDA_CHECK(cudaMemcpyAsync(device_in.ptr, host_in.ptr, bytes, cudaMemcpyHostToDevice, s_kernel.stream));
    if (which == 2)
      CUDA_CHECK(
          cudaMemcpyAsync(host_out.ptr, device_out.ptr, bytes, cudaMemcpyDeviceToHost, s_kernel.stream));
    CUDA_CHECK(cudaEventRecord(stop.event, s_kernel.stream));
    CUDA_CHECK(cudaEventSynchronize(stop.event));
    return elapsed_ns(start, stop);
  };
  const char* alone_cases[] = {"kernel_alone", "h2d_alone", "d2h_alone"};
  for (int rep = -1; rep < p.reps; ++rep) {
    for (int which = 0; which < 3; ++which) {
      double ns = time_alone(which);
      if (rep >= 0) data.add("overlap", alone_cases[which], param, "time", ns, "ns", rep);
    }
    // All three at once on separate streams, released together by one event.
    CUDA_CHECK(cudaEventRecord(start.event, s_kernel.stream));
    CUDA_CHECK(cudaStreamWaitEvent(s_h2d.stream, start.event, 0));
    CUDA_CHECK(cudaStreamWaitEvent(s_d2h.stream, start.event, 0));
    launch_compute(p.kernel, sink.as<float>(), nullptr, 0, s_kernel.stream);
    CUDA_CHECK(cudaMemcpyAsync(device_in.ptr, host_in.ptr, bytes, cudaMemcpyHostToDevice, s_h2d.stream));
    CUDA_CHECK(cudaMemcpyAsync(host_out.ptr, device_out.ptr, bytes, cudaMemcpyDeviceToHost, s_d2h.stream));
    CUDA_CHECK(cudaEventRecord(k_end.event, s_kernel.stream));
    CUDA_CHECK(cudaEventRecord(h_end.event, s_h2d.stream));
    CUDA_CHECK(cudaEventRecord(d_end.event, s_d2h.stream));
    CUDA_CHECK(cudaDeviceSynchronize());
    double tk = elapsed_ns(start, k_end), th = elapsed_ns(start, h_end), td = elapsed_ns(start, d_end);
    if (rep < 0) continue;
    data.add("overlap", "together", param, "kernel_time", tk, "ns", rep);
    data.add("overlap", "together", param, "h2d_time", th, "ns", rep);
    data.add("overlap", "together", param, "d2h_time", td, "ns", rep);
    data.add("overlap", "together", param, "total_time", std::max({tk, th, td}), "ns", rep);
  }
  std::fprintf(stderr, "  overlap: recorded %d repetitions\n", p.reps);
}

// ---- Suite: sharing (child processes) ------------------------------------------------------------------
// What one child runs. Children print "metric,rep,value" lines (value: an unsigned integer, raw
// %globaltimer nanoseconds) to their output file; the parent rebases them.
struct ChildJob {
  std::string mode;  // "timeslice", "compute" or "memory"
  std::vector<std::pair<std::string, int64_t>> args;
  int mps_percentage = 0;  // CUDA_MPS_ACTIVE_THREAD_PERCENTAGE to set, 0 for none
};

int64_t arg_value(const std::vector<std::pair<std::string, int64_t>>& args, const std::string& key) {
  for (const auto& [k, v] : args) {
    if (k == key) return v;
  }
  fail("child: missing argument " + key);
}

int run_child(const std::string& mode, const std::string& arg_text, int device, int ready_fd, int go_fd,
              const std::string& out_path) {
  std::vector<std::pair<std::string, int64_t>> args;
  if (!parse_param_string(arg_text, args)) fail("child: malformed --child-args '" + arg_text + "'");
  CUDA_CHECK(cudaSetDevice(device));
  CUDA_CHECK(cudaFree(nullptr));  // creates the context before the barrier
  Stream stream;
  std::ofstream out(out_path);
  if (!out) fail("child: cannot write " + out_path);
  auto barrier = [&] {
    char byte = 'r';
    if (::write(ready_fd, &byte, 1) != 1) fail("child: cannot signal readiness");
    if (::read(go_fd, &byte, 1) != 1) fail("child: parent went away before the start signal");
  };
  if (mode == "timeslice") {
    const auto window_ns = static_cast<uint64_t>(arg_value(args, "window_ns"));
    const auto threshold_ns = static_cast<uint64_t>(arg_value(args, "threshold_ns"));
    const int max_gaps = static_cast<int>(arg_value(args, "max_gaps"));
    DeviceBuffer gaps(sizeof(unsigned long long) * 2 * static_cast<size_t>(max_gaps));
    DeviceBuffer count(sizeof(int));
    DeviceBuffer window(sizeof(unsigned long long) * 2);
    sampler_kernel<<<1, 1, 0, stream.stream>>>(1'000'000, threshold_ns, gaps.as<unsigned long long>(),
                                               max_gaps, count.as<int>(),
                                               window.as<unsigned long long>());  // warm-up
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    barrier();
    sampler_kernel<<<1, 1, 0, stream.stream>>>(window_ns, threshold_ns, gaps.as<unsigned long long>(),
                                               max_gaps, count.as<int>(), window.as<unsigned long long>());
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    int n = 0;
    unsigned long long w[2] = {0, 0};
    CUDA_CHECK(cudaMemcpy(&n, count.ptr, sizeof n, cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(w, window.ptr, sizeof w, cudaMemcpyDeviceToHost));
    const int stored = std::min(n, max_gaps);
    std::vector<unsigned long long> g(2 * static_cast<size_t>(std::max(stored, 1)));
    if (stored > 0)
      CUDA_CHECK(cudaMemcpy(g.data(), gaps.ptr, 2 * sizeof(unsigned long long) * static_cast<size_t>(stored),
                            cudaMemcpyDeviceToHost));
    out << "window_start,0," << w[0] << "\nwindow_end,0," << w[1] << "\n";
    for (int i = 0; i < stored; ++i) {
      out << "gap_start," << i << ',' << g[2 * static_cast<size_t>(i)] << "\ngap_end," << i << ','
          << g[2 * static_cast<size_t>(i) + 1] << '\n';
    }
    if (n > max_gaps)
      std::fprintf(stderr, "%s: warning: child saw %d gaps, kept %d\n", kProgram, n, max_gaps);
  } else if (mode == "compute" || mode == "memory") {
    const int kernels = static_cast<int>(arg_value(args, "kernels"));
    const int blocks = static_cast<int>(arg_value(args, "blocks"));
    Stamps stamps(kernels);
    std::unique_ptr<DeviceBuffer> sink, src, dst;
    ComputeKernelShape compute{};
    MemoryKernelShape memory{};
    if (mode == "compute") {
      compute = {.blocks = blocks, .iterations = static_cast<int>(arg_value(args, "iterations"))};
      sink = std::make_unique<DeviceBuffer>(sizeof(float) * static_cast<size_t>(blocks));
    } else {
      memory = {.blocks = blocks, .bytes_per_block = arg_value(args, "bytes_per_block")};
      const auto half = static_cast<size_t>(memory.bytes_per_block / 2) * static_cast<size_t>(blocks);
      src = std::make_unique<DeviceBuffer>(half);
      dst = std::make_unique<DeviceBuffer>(half);
      CUDA_CHECK(cudaMemset(src->ptr, 0, half));
    }
    auto launch = [&](unsigned long long* s, int k) {
      if (mode == "compute")
        launch_compute(compute, sink->as<float>(), s, k, stream.stream);
      else
        launch_memory(memory, src->ptr, dst->ptr, s, k, stream.stream);
    };
    launch(nullptr, 0);  // warm-up
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    barrier();
    for (int k = 0; k < kernels; ++k) launch(stamps.buffer.as<unsigned long long>(), k);
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    std::vector<unsigned long long> host = stamps.read();
    for (int k = 0; k < kernels; ++k) {
      out << "kernel_start," << k << ',' << host[2 * static_cast<size_t>(k)] << "\nkernel_end," << k << ','
          << host[2 * static_cast<size_t>(k) + 1] << '\n';
    }
  } else {
    fail("child: unknown mode '" + mode + "'");
  }
  out.close();
  if (!out) fail("child: writing " + out_path + " failed");
  return 0;
}

struct ChildRecord {
  std::string metric;
  int64_t rep = 0;
  uint64_t value = 0;
};

// Runs the jobs as concurrent child processes released together; returns each child's records.
std::vector<std::vector<ChildRecord>> run_children(const std::vector<ChildJob>& jobs, int device) {
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0) fail(std::string("pipe: ") + std::strerror(errno));
  std::vector<pid_t> pids;
  std::vector<std::string> outputs;
  for (const ChildJob& job : jobs) {
    char path[] = "/tmp/sharesim-calibrate-XXXXXX";
    int fd = ::mkstemp(path);
    if (fd < 0) fail(std::string("mkstemp: ") + std::strerror(errno));
    ::close(fd);
    outputs.emplace_back(path);
    // Everything the child needs is built before fork: after fork, a process with CUDA's threads
    // may only call async-signal-safe functions (close, execve, write, _exit).
    std::vector<std::string> argv_text{kProgram,
                                       "--child",
                                       job.mode,
                                       "--child-args",
                                       param_string(job.args),
                                       "--device",
                                       std::to_string(device),
                                       "--ready-fd",
                                       std::to_string(ready[1]),
                                       "--go-fd",
                                       std::to_string(go[0]),
                                       "--child-out",
                                       outputs.back()};
    std::vector<char*> argv;
    for (std::string& s : argv_text) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::strncmp(*e, "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=", 34) != 0) env_text.emplace_back(*e);
    }
    if (job.mps_percentage > 0) {
      env_text.push_back("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=" + std::to_string(job.mps_percentage));
    }
    std::vector<char*> envp;
    for (std::string& s : env_text) envp.push_back(s.data());
    envp.push_back(nullptr);
    static const char kExecFailed[] =
        "sharesim-calibrate: error: cannot exec /proc/self/exe for a sharing child\n";
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) fail(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::close(ready[0]);
      ::close(go[1]);
      ::execve("/proc/self/exe", argv.data(), envp.data());
      [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
      ::_exit(127);
    }
    pids.push_back(pid);
  }
  ::close(ready[1]);
  ::close(go[0]);
  // Wait until every child has its context and warmed up, then release them together.
  size_t ready_count = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (ready_count < jobs.size()) {
    pollfd pfd{ready[0], POLLIN, 0};
    int r = ::poll(&pfd, 1, 1000);
    if (r > 0) {
      char buffer[64];
      ssize_t n = ::read(ready[0], buffer, sizeof buffer);
      if (n <= 0) fail("a sharing child exited before it was ready (see its message above)");
      ready_count += static_cast<size_t>(n);
    }
    for (pid_t pid : pids) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        fail("sharing child " + std::to_string(pid) + " exited early with status " + std::to_string(status));
      }
    }
    if (std::chrono::steady_clock::now() > deadline) fail("sharing children were not ready after 180 s");
  }
  std::string go_bytes(jobs.size(), 'g');
  if (::write(go[1], go_bytes.data(), go_bytes.size()) != static_cast<ssize_t>(go_bytes.size())) {
    fail("cannot release the sharing children");
  }
  ::close(go[1]);
  ::close(ready[0]);
  for (pid_t pid : pids) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) fail(std::string("waitpid: ") + std::strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fail("sharing child " + std::to_string(pid) + " failed (status " + std::to_string(status) + ")");
    }
  }
  std::vector<std::vector<ChildRecord>> results;
  for (const std::string& path : outputs) {
    std::ifstream in(path);
    std::vector<ChildRecord> records;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      ChildRecord r;
      std::string rep, value;
      if (!std::getline(fields, r.metric, ',') || !std::getline(fields, rep, ',') ||
          !std::getline(fields, value)) {
        fail("malformed child output line '" + line + "' in " + path);
      }
      r.rep = parse_integer<int64_t>(rep, "child output rep");
      r.value = parse_integer<uint64_t>(value, "child output value");
      records.push_back(r);
    }
    ::unlink(path.c_str());
    results.push_back(std::move(records));
  }
  return results;
}

// Writes the children's timestamps relative to the earliest one of the case.
void add_child_results(const std::vector<std::vector<ChildRecord>>& results, const std::string& case_name,
                       const std::vector<std::string>& params, RawData& data) {
  uint64_t origin = std::numeric_limits<uint64_t>::max();
  for (const auto& records : results) {
    for (const ChildRecord& r : records) {
      if (r.value != 0 && r.value != std::numeric_limits<unsigned long long>::max())
        origin = std::min(origin, r.value);
    }
  }
  for (size_t p = 0; p < results.size(); ++p) {
    for (const ChildRecord& r : results[p]) {
      data.add("sharing", case_name, params[p], r.metric, static_cast<double>(r.value - origin), "ns", r.rep);
    }
  }
}

void run_sharing(const Plan& plan, const DeviceInfo& info, int device, RawData& data) {
  const SharingPlan& p = plan.sharing;
  if (!info.mps && info.compute_mode != cudaComputeModeDefault) {
    // Azure Stack Edge's Start-HcsGpuMPS sets EXCLUSIVE_PROCESS; without the MPS daemon only one
    // process may then hold a context, and this program already holds one.
    fail(std::string("the sharing suite needs several CUDA processes, but the GPU's compute mode is ") +
         compute_mode_name(info.compute_mode) +
         " and no MPS daemon was detected: start MPS (nvidia-cuda-mps-control -d; pass --mps on if its pipe "
         "directory is not visible here) or set the default compute mode (nvidia-smi -c DEFAULT)");
  }
  if (!info.mps) {
    for (int procs : p.timeslice_processes) {
      std::vector<ChildJob> jobs(static_cast<size_t>(procs),
                                 ChildJob{.mode = "timeslice",
                                          .args = {{"window_ns", p.timeslice_window_ns},
                                                   {"threshold_ns", p.timeslice_gap_threshold_ns},
                                                   {"max_gaps", p.timeslice_max_gaps}},
                                          .mps_percentage = 0});
      std::vector<std::string> params;
      for (int i = 0; i < procs; ++i) params.push_back(param_string({{"procs", procs}, {"proc", i}}));
      add_child_results(run_children(jobs, device), "timeslice", params, data);
      std::fprintf(stderr, "  sharing: time-slice probe with %d processes done\n", procs);
    }
  } else {
    std::fprintf(stderr,
                 "  sharing: MPS is on: the time-slice probe is skipped (contexts do not take turns)\n");
  }
  const ComputeKernelShape share = plan.share_kernel();
  for (const SharingPlan::ShareCase& c : p.share_cases) {
    if (!info.mps && c.percentage != 100) continue;  // the percentage means nothing without MPS
    std::vector<ChildJob> jobs(static_cast<size_t>(c.processes),
                               ChildJob{.mode = "compute",
                                        .args = {{"kernels", p.share_kernels},
                                                 {"blocks", share.blocks},
                                                 {"iterations", share.iterations}},
                                        .mps_percentage = info.mps ? c.percentage : 0});
    std::vector<std::string> params;
    for (int i = 0; i < c.processes; ++i) {
      params.push_back(param_string(
          {{"procs", c.processes}, {"pct", c.percentage}, {"mps", info.mps ? 1 : 0}, {"proc", i}}));
    }
    add_child_results(run_children(jobs, device), "share", params, data);
    std::fprintf(stderr, "  sharing: %d process(es) at %d%% done\n", c.processes, c.percentage);
  }
  if (!info.mps) {
    std::fprintf(stderr, "  sharing: MPS is off: the MPS interference pairs are skipped\n");
    return;
  }
  const ComputeKernelShape pc = plan.pair_compute_kernel();
  const MemoryKernelShape pm = plan.pair_memory_kernel();
  auto compute_job =
      ChildJob{.mode = "compute",
               .args = {{"kernels", p.pair_kernels}, {"blocks", pc.blocks}, {"iterations", pc.iterations}},
               .mps_percentage = 0};
  auto memory_job = ChildJob{
      .mode = "memory",
      .args = {{"kernels", p.pair_kernels}, {"blocks", pm.blocks}, {"bytes_per_block", pm.bytes_per_block}},
      .mps_percentage = 0};
  const std::vector<std::pair<PairKind, std::vector<ChildJob>>> pairs{
      {PairKind::kComputeSolo, {compute_job}},
      {PairKind::kMemorySolo, {memory_job}},
      {PairKind::kComputeCompute, {compute_job, compute_job}},
      {PairKind::kComputeMemory, {compute_job, memory_job}},
      {PairKind::kMemoryMemory, {memory_job, memory_job}}};
  for (const auto& [kind, jobs] : pairs) {
    std::vector<std::string> params;
    for (size_t i = 0; i < jobs.size(); ++i) {
      params.push_back(param_string({{"kind", static_cast<int64_t>(kind)},
                                     {"procs", static_cast<int64_t>(jobs.size())},
                                     {"proc", static_cast<int64_t>(i)}}));
    }
    add_child_results(run_children(jobs, device), "pair", params, data);
  }
  std::fprintf(stderr, "  sharing: MPS interference pairs done\n");
}

void write_output(const std::string& path, const RawData& data) {
  std::ofstream out(path);
  if (!out) fail("cannot write " + path);
  write_raw_csv(out, data);
  out.close();
  if (!out) fail("writing " + path + " failed");
}

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Hidden child mode used by the sharing suite.
  if (!args.empty() && args[0] == "--child") {
    std::string mode, child_args, out;
    int device = 0, ready_fd = -1, go_fd = -1;
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      const std::string& key = args[i];
      const std::string& value = args[i + 1];
      if (key == "--child")
        mode = value;
      else if (key == "--child-args")
        child_args = value;
      else if (key == "--device")
        device = parse_integer<int>(value, "--device");
      else if (key == "--ready-fd")
        ready_fd = parse_integer<int>(value, "--ready-fd");
      else if (key == "--go-fd")
        go_fd = parse_integer<int>(value, "--go-fd");
      else if (key == "--child-out")
        out = value;
      else
        fail("child: unknown argument " + key);
    }
    return run_child(mode, child_args, device, ready_fd, go_fd, out);
  }
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "%s: error: %s needs a value\n", kProgram, a.c_str());
        std::exit(2);
      }
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      print_usage();
      return 0;
    } else if (a == "--suite" || a == "--suites") {
      std::string error;
      if (!parse_suite_list(value(), options.suites, error)) {
        std::fprintf(stderr, "%s: error: --suite: %s\n", kProgram, error.c_str());
        return 2;
      }
    } else if (a == "-o" || a == "--output") {
      options.output = value();
    } else if (a == "--device") {
      std::string v = value();
      char* end = nullptr;
      long d = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || d < 0 || d > 64) {
        std::fprintf(stderr, "%s: error: --device: expected a device index 0..64, found '%s'\n", kProgram,
                     v.c_str());
        return 2;
      }
      options.device = static_cast<int>(d);
    } else if (a == "--mps") {
      options.mps = value();
      if (options.mps != "auto" && options.mps != "on" && options.mps != "off") {
        std::fprintf(stderr, "%s: error: --mps: expected auto, on or off, found '%s'\n", kProgram,
                     options.mps.c_str());
        return 2;
      }
    } else if (a == "--quick") {
      options.quick = true;
    } else {
      std::fprintf(stderr, "%s: error: unknown argument '%s' (see --help)\n", kProgram, a.c_str());
      return 2;
    }
  }

  DeviceInfo info = query_device(options);
  Plan plan = make_plan(info.prop.multiProcessorCount);
  if (options.quick) {
    plan.copies.reps = 3;
    plan.launch.host_reps = 2;
    plan.launch.gap_reps = 2;
    plan.launch.event_reps = 10;
    plan.sm_scaling.reps = 2;
    plan.overlap.reps = 2;
    plan.sharing.timeslice_window_ns = 50'000'000;
    plan.sharing.share_kernels = 8;
    plan.sharing.pair_kernels = 8;
  }
  RawData data;
  record_device(info, options, data);
  std::fprintf(stderr, "%s: %s, %d SMs, compute capability %d.%d, driver %d, runtime %d, MPS %s\n", kProgram,
               info.prop.name, info.prop.multiProcessorCount, info.prop.major, info.prop.minor,
               info.driver_version, info.runtime_version, info.mps ? "on" : "off");
  for (SuiteId suite : options.suites) {
    std::fprintf(stderr, "%s: suite %s\n", kProgram, std::string(suite_name(suite)).c_str());
    switch (suite) {
      case SuiteId::kCopies:
        run_copies(plan, data);
        break;
      case SuiteId::kLaunch:
        run_launch(plan, data);
        break;
      case SuiteId::kSmScaling:
        run_sm_scaling(plan, data);
        break;
      case SuiteId::kOverlap:
        run_overlap(plan, data);
        break;
      case SuiteId::kSharing:
        run_sharing(plan, info, options.device, data);
        break;
    }
    write_output(options.output, data);  // after each suite, so a later failure keeps earlier results
  }
  std::fprintf(stderr, "%s: wrote %zu measurements to %s\n", kProgram, data.rows.size(),
               options.output.c_str());
  return 0;
}

}  // namespace
}  // namespace sharesim::calibrate::cuda

int main(int argc, char** argv) {
  return sharesim::calibrate::cuda::run_main(argc, argv);
}
