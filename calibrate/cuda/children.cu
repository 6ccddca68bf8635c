#include <cuda_runtime.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "children.cuh"
#include "kernels.cuh"
#include "sharesim/calibrate/plan.h"
#include "timing.cuh"

namespace sharesim::calibrate::cuda {

namespace {

int64_t arg_value(const std::vector<std::pair<std::string, int64_t>>& args, const std::string& key) {
  for (const auto& [k, v] : args) {
    if (k == key) return v;
  }
  fail("child: missing argument " + key);
}

}  // namespace

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
    launch_sampler(1'000'000, threshold_ns, gaps.as<unsigned long long>(), max_gaps, count.as<int>(),
                   window.as<unsigned long long>(), stream.stream);  // warm-up
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    barrier();
    launch_sampler(window_ns, threshold_ns, gaps.as<unsigned long long>(), max_gaps, count.as<int>(),
                   window.as<unsigned long long>(), stream.stream);
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
  } else if (mode == "compute" || mode == "memory" || mode == "latency" || mode == "issue" ||
             mode == "stamp") {
    const int kernels = static_cast<int>(arg_value(args, "kernels"));
    const int blocks = static_cast<int>(arg_value(args, "blocks"));
    Stamps stamps(kernels);
    std::unique_ptr<DeviceBuffer> sink, src, dst;
    ComputeKernelShape compute{};
    MemoryKernelShape memory{};
    const int warps = mode == "issue" ? static_cast<int>(arg_value(args, "warps")) : 0;
    if (mode == "compute" || mode == "latency" || mode == "issue") {
      compute = {.blocks = blocks, .iterations = static_cast<int>(arg_value(args, "iterations"))};
      sink = std::make_unique<DeviceBuffer>(sizeof(float) * static_cast<size_t>(blocks));
    } else if (mode == "memory") {
      memory = {.blocks = blocks, .bytes_per_block = arg_value(args, "bytes_per_block")};
      const auto half = static_cast<size_t>(memory.bytes_per_block / 2) * static_cast<size_t>(blocks);
      src = std::make_unique<DeviceBuffer>(half);
      dst = std::make_unique<DeviceBuffer>(half);
      CUDA_CHECK(cudaMemset(src->ptr, 0, half));
    }
    Stamps warmup_stamps(1);  // the stamp kernel always writes its stamps
    auto launch = [&](unsigned long long* s, int k) {
      if (mode == "compute") {
        launch_compute(compute, sink->as<float>(), s, k, stream.stream);
      } else if (mode == "latency") {
        launch_latency(compute, sink->as<float>(), s, k, stream.stream);
      } else if (mode == "issue") {
        launch_issue(compute, warps, sink->as<float>(), s, k, stream.stream);
      } else if (mode == "memory") {
        launch_memory(memory, src->ptr, dst->ptr, s, k, stream.stream);
      } else {
        launch_stamp(s != nullptr ? s : warmup_stamps.buffer.as<unsigned long long>(), s != nullptr ? k : 0,
                     stream.stream);
      }
    };
    launch(nullptr, 0);  // warm-up
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(stream.stream));
    barrier();
    for (int k = 0; k < kernels; ++k) launch(stamps.buffer.as<unsigned long long>(), k);
    CUDA_CHECK_LAUNCH();
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

}  // namespace sharesim::calibrate::cuda
