// The sharing suite's child processes: this program re-executed with the hidden flag --child, so
// that several CUDA contexts compete for the GPU. The parent builds every child's argv and
// environment, forks and execs them, waits until each has its context and has warmed up, and
// releases them together through a pipe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sharesim::calibrate::cuda {

// What one child runs. Children print "metric,rep,value" lines (value: an unsigned integer, raw
// %globaltimer nanoseconds) to their output file; the parent rebases them.
struct ChildJob {
  std::string mode;  // "timeslice", "compute", "memory", "latency" or "stamp" (empty stamped kernels)
  std::vector<std::pair<std::string, int64_t>> args;
  int mps_percentage = 0;  // CUDA_MPS_ACTIVE_THREAD_PERCENTAGE to set, 0 for none
};

struct ChildRecord {
  std::string metric;
  int64_t rep = 0;
  uint64_t value = 0;
};

// Runs the jobs as concurrent child processes released together; returns each child's records.
std::vector<std::vector<ChildRecord>> run_children(const std::vector<ChildJob>& jobs, int device);

// The child's side (--child MODE ...): runs its job between the barrier fds, writes its records.
int run_child(const std::string& mode, const std::string& arg_text, int device, int ready_fd, int go_fd,
              const std::string& out_path);

}  // namespace sharesim::calibrate::cuda
