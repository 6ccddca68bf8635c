// sharesim-calibrate: CUDA microbenchmarks that measure what sharesim's GPU model needs.
//
//   sharesim-calibrate [--suite copies,launch,sm-scaling,overlap,sharing|all] [-o raw.csv]
//                      [--device N] [--mps auto|on|off] [--quick]
//
// Runs the cases of the shared plan (calibrate/include/sharesim/calibrate/plan.h) and writes the
// raw measurements in the long CSV format of raw_csv.h. The sharing suite re-executes this program
// as child processes (hidden flag --child) so that several CUDA contexts compete for the GPU.
// Every CUDA call's status is checked; without a usable GPU the program says so and exits with 1.
//
// Files: main.cu (options, the suite loop), suites.cuh (one .cu per suite), children.cuh (the
// sharing suite's child processes), device.cuh (device facts, MPS), kernels.cuh (the kernels),
// timing.cuh and check.cuh (shared helpers).
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "check.cuh"
#include "children.cuh"
#include "device.cuh"
#include "nvml.cuh"
#include "options.cuh"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_csv.h"
#include "suites.cuh"

namespace sharesim::calibrate::cuda {

namespace {

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
    plan.launch.ahead_kernels = 300;
    plan.launch.sync_reps = 1;
    plan.sharing.sweep_kernels = 3;
    plan.sharing.memory_sweep_kernels = 3;
    plan.sharing.latency_kernels = 8;
    plan.sharing.launch_client_kernels = 21;
  }
  if (options.mps == "auto") {
    if (info.compute_mode != cudaComputeModeDefault && !info.mps_control_pipe) {
      // Two contexts cannot even coexist: no probe to run, and no MPS.
      info.mps = false;
      info.mps_detection = std::string("no overlap probe: compute mode ") +
                           compute_mode_name(info.compute_mode) + " and no MPS control pipe";
    } else {
      const MpsProbe probe = probe_mps(options.device);
      info.mps = probe.mps;
      info.mps_detection = probe.evidence;
      if (info.mps != info.mps_control_pipe) {
        std::fprintf(stderr, "%s: warning: the overlap probe says MPS is %s, but an MPS control pipe is %s\n",
                     kProgram, info.mps ? "on" : "off", info.mps_control_pipe ? "present" : "absent");
      }
    }
  }
  std::string nvml_why;
  const std::unique_ptr<Nvml> nvml = Nvml::open(info.pci_bus_id, nvml_why);
  RawData data;
  record_device(info, options, data);
  if (nvml != nullptr) {
    data.set_header("device.nvml", "yes (clock.<suite>.* below: NVML every 20 ms during the suite)");
    data.set_header("device.max_sm_clock_mhz", std::to_string(nvml->max_sm_mhz()));
    data.set_header("device.max_memory_clock_mhz", std::to_string(nvml->max_memory_mhz()));
    data.set_header("device.application_sm_clock_mhz", std::to_string(nvml->application_sm_mhz()));
  } else {
    data.set_header("device.nvml", "unavailable: " + nvml_why);
    std::fprintf(stderr, "%s: warning: clocks not recorded (%s)\n", kProgram, nvml_why.c_str());
  }
  ClockSampler sampler(nvml.get(), 20);
  std::fprintf(stderr, "%s: %s, %d SMs, compute capability %d.%d, driver %d, runtime %d, MPS %s\n", kProgram,
               info.prop.name, info.prop.multiProcessorCount, info.prop.major, info.prop.minor,
               info.driver_version, info.runtime_version, info.mps ? "on" : "off");
  for (SuiteId suite : options.suites) {
    std::fprintf(stderr, "%s: suite %s\n", kProgram, std::string(suite_name(suite)).c_str());
    sampler.start();
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
    if (nvml != nullptr) record_clocks(std::string(suite_name(suite)), sampler.stop(), data);
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
