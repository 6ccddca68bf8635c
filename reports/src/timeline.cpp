#include "sharesim/reports/timeline.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "sharesim/reports/json_writer.h"

namespace sharesim::reports {

namespace {

constexpr int kStreamsPerProcess = 64;  // tid = 1 + process * 64 + stream

// Microseconds, exactly, from integer nanoseconds: "1234.567".
std::string micros(int64_t ns) {
  const bool negative = ns < 0;
  const uint64_t magnitude = negative ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::string frac = std::to_string(magnitude % 1000);
  frac = std::string(3 - frac.size(), '0') + frac;
  return (negative ? "-" : "") + std::to_string(magnitude / 1000) + "." + frac;
}

}  // namespace

Result<TraceWindow> parse_trace_window(const std::string& text) {
  const auto colon = text.find(':');
  const auto bad = [&](const std::string& why) {
    return Error{.field = "--trace-window",
                 .message = "expected START:END durations such as 10s:12s, found '" + text + "'" +
                            (why.empty() ? "" : ": " + why)};
  };
  if (colon == std::string::npos) return bad("no ':'");
  auto start = sim::parse_duration(std::string_view(text).substr(0, colon));
  if (!start) return bad(start.error().message);
  auto end = sim::parse_duration(std::string_view(text).substr(colon + 1));
  if (!end) return bad(end.error().message);
  if (!(*end > *start)) return bad("END must be after START");
  return TraceWindow{*start, *end};
}

TraceWindow default_trace_window(sim::Time warmup) {
  return TraceWindow{warmup, warmup + sim::Time::s(2)};
}

// The observer of one GPU: turns its callbacks into finished slices, clipped to the window.
class TimelineTrace::GpuTrack final : public models::GpuObserver {
 public:
  struct Slice {
    int64_t start_ns = 0;
    int64_t dur_ns = 0;
    int tid = 0;
    std::string name;
    const char* category = "";
  };
  struct Instant {
    int64_t at_ns = 0;
    int tid = 0;
    std::string name;
  };

  GpuTrack(TraceWindow window, int pid, const run::GpuReport& gpu,
           const std::vector<std::optional<models::ProcessId>>& ids)
      : window_(window), pid_(pid), policy_(gpu.policy) {
    label_ = "GPU " + gpu.device + "/" + std::to_string(gpu.index) + " (" + gpu.policy + ")";
    for (size_t i = 0; i < gpu.processes.size() && i < ids.size(); ++i) {
      if (!ids[i]) continue;
      const models::ProcessId id = *ids[i];
      if (names_.size() <= id) {
        names_.resize(id + 1);
        caps_.resize(id + 1, 0);
      }
      names_[id] = gpu.processes[i].workload + "/" + std::to_string(gpu.processes[i].replica);
      caps_[id] = gpu.processes[i].sm_cap;
    }
  }

  void op_started(sim::Time, models::ProcessId, int, bool, std::string_view) override {}
  void op_finished(sim::Time at, models::ProcessId process, int stream, bool, std::string_view) override {
    close_op(at, process, stream);
  }
  void op_running(sim::Time at, models::ProcessId process, int stream, bool is_kernel, std::string_view name,
                  bool running) override {
    if (running) {
      open_ops_[{process, stream}] =
          OpenOp{at, std::string(name.empty() ? (is_kernel ? "kernel" : "copy") : name), is_kernel};
      streams_seen_[process] = std::max(streams_seen_[process], stream);
    } else {
      close_op(at, process, stream);
    }
  }
  void process_failed(sim::Time at, models::ProcessId process, const std::string& reason) override {
    for (auto it = open_ops_.begin(); it != open_ops_.end();) {
      if (it->first.first == process) {
        add_slice(it->second.start, at, tid_of(process, it->first.second), it->second.name,
                  it->second.is_kernel ? "kernel" : "copy");
        it = open_ops_.erase(it);
      } else {
        ++it;
      }
    }
    if (at >= window_.start && at < window_.end) {
      instants_.push_back({at.count_ns(), tid_of(process, 0), "fault: " + reason});
    }
  }
  void time_slice(sim::Time at, models::ProcessId owner, bool switching) override {
    close_phase(at);
    if (switching) {
      phase_ = OpenPhase{at, "context switch", "switch"};
    } else if (owner != kNoOwner) {
      phase_ = OpenPhase{at, "slice: " + name_of(owner), "slice"};
    }
  }

  // Appends this GPU's events (metadata, counters, then slices and instants by time) to `out`,
  // one JSON object per element.
  void write(std::vector<std::string>& out, sim::Time ended_at) const {
    std::vector<Slice> slices = slices_;
    for (const auto& [key, op] : open_ops_) {
      clip_into(slices, op.start, ended_at, tid_of(key.first, key.second), op.name,
                op.is_kernel ? "kernel" : "copy");
    }
    if (phase_) clip_into(slices, phase_->start, ended_at, 0, phase_->name, phase_->category);
    std::stable_sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) {
      return a.start_ns < b.start_ns || (a.start_ns == b.start_ns && a.tid < b.tid);
    });

    const std::string pid = std::to_string(pid_);
    out.push_back(R"({"name": "process_name", "ph": "M", "pid": )" + pid + R"(, "args": {"name": )" +
                  JsonWriter::escape(label_) + "}}");
    out.push_back(R"({"name": "process_sort_index", "ph": "M", "pid": )" + pid +
                  R"(, "args": {"sort_index": )" + pid + "}}");
    if (policy_ == "time-slicing") {
      out.push_back(R"({"name": "thread_name", "ph": "M", "pid": )" + pid +
                    R"(, "tid": 0, "args": {"name": "time slices"}})");
    }
    const std::string window_start = micros(window_.start.count_ns());
    for (models::ProcessId id = 0; id < names_.size(); ++id) {
      if (names_[id].empty()) continue;
      const auto seen = streams_seen_.find(id);
      const int streams = seen == streams_seen_.end() ? 0 : seen->second;
      for (int s = 0; s <= streams; ++s) {
        const std::string name = names_[id] + (s == 0 ? "" : " stream " + std::to_string(s));
        const std::string tid = std::to_string(tid_of(id, s));
        out.push_back(R"({"name": "thread_name", "ph": "M", "pid": )" + pid + R"(, "tid": )" + tid +
                      R"(, "args": {"name": )" + JsonWriter::escape(name) + "}}");
        out.push_back(R"({"name": "thread_sort_index", "ph": "M", "pid": )" + pid + R"(, "tid": )" + tid +
                      R"(, "args": {"sort_index": )" + tid + "}}");
      }
      out.push_back(R"({"name": )" + JsonWriter::escape("SM cap " + names_[id]) + R"(, "ph": "C", "pid": )" +
                    pid + R"(, "ts": )" + window_start + R"(, "args": {"SMs": )" + std::to_string(caps_[id]) +
                    "}}");
    }
    for (const Slice& s : slices) {
      out.push_back(R"({"name": )" + JsonWriter::escape(s.name) + R"(, "cat": ")" + s.category +
                    R"(", "ph": "X", "ts": )" + micros(s.start_ns) + R"(, "dur": )" + micros(s.dur_ns) +
                    R"(, "pid": )" + pid + R"(, "tid": )" + std::to_string(s.tid) + "}");
    }
    for (const Instant& i : instants_) {
      out.push_back(R"({"name": )" + JsonWriter::escape(i.name) +
                    R"(, "cat": "fault", "ph": "i", "s": "t", "ts": )" + micros(i.at_ns) + R"(, "pid": )" +
                    pid + R"(, "tid": )" + std::to_string(i.tid) + "}");
    }
  }

 private:
  struct OpenOp {
    sim::Time start;
    std::string name;
    bool is_kernel = true;
  };
  struct OpenPhase {
    sim::Time start;
    std::string name;
    const char* category = "";
  };

  static int tid_of(models::ProcessId process, int stream) {
    return 1 + static_cast<int>(process) * kStreamsPerProcess + std::min(stream, kStreamsPerProcess - 1);
  }
  std::string name_of(models::ProcessId process) const {
    return process < names_.size() && !names_[process].empty() ? names_[process]
                                                               : "process " + std::to_string(process);
  }
  void close_op(sim::Time at, models::ProcessId process, int stream) {
    const auto it = open_ops_.find({process, stream});
    if (it == open_ops_.end()) return;
    add_slice(it->second.start, at, tid_of(process, stream), it->second.name,
              it->second.is_kernel ? "kernel" : "copy");
    open_ops_.erase(it);
  }
  void close_phase(sim::Time at) {
    if (!phase_) return;
    add_slice(phase_->start, at, 0, phase_->name, phase_->category);
    phase_.reset();
  }
  void add_slice(sim::Time from, sim::Time to, int tid, const std::string& name, const char* category) {
    clip_into(slices_, from, to, tid, name, category);
  }
  void clip_into(std::vector<Slice>& into, sim::Time from, sim::Time to, int tid, const std::string& name,
                 const char* category) const {
    const sim::Time a = std::max(from, window_.start);
    const sim::Time b = std::min(to, window_.end);
    if (!(b > a)) return;
    into.push_back(Slice{a.count_ns(), (b - a).count_ns(), tid, name, category});
  }

  TraceWindow window_;
  int pid_;
  std::string policy_;
  std::string label_;
  std::vector<std::string> names_;                 // by ProcessId
  std::vector<int> caps_;                          // by ProcessId
  std::map<models::ProcessId, int> streams_seen_;  // highest stream index that ran
  std::map<std::pair<models::ProcessId, int>, OpenOp> open_ops_;
  std::optional<OpenPhase> phase_;
  std::vector<Slice> slices_;
  std::vector<Instant> instants_;
};

TimelineTrace::TimelineTrace(TraceWindow window) : window_(window) {}
TimelineTrace::~TimelineTrace() = default;

models::GpuObserver* TimelineTrace::add_gpu(
    const run::GpuReport& gpu, const std::vector<std::optional<models::ProcessId>>& process_ids) {
  gpus_.push_back(std::make_unique<GpuTrack>(window_, static_cast<int>(gpus_.size()) + 1, gpu, process_ids));
  return gpus_.back().get();
}

std::string TimelineTrace::json(sim::Time ended_at) const {
  std::vector<std::string> events;
  for (const auto& gpu : gpus_) gpu->write(events, ended_at);
  std::string out =
      "{\"displayTimeUnit\": \"ms\",\n \"otherData\": {\"source\": \"sharesim simulated GPU timeline\", "
      "\"window_start_us\": " +
      micros(window_.start.count_ns()) + ", \"window_end_us\": " +
      (window_.end == sim::Time::max() ? std::string("null") : micros(window_.end.count_ns())) +
      "},\n \"traceEvents\": [\n";
  for (size_t i = 0; i < events.size(); ++i) {
    out += "  " + events[i] + (i + 1 < events.size() ? ",\n" : "\n");
  }
  out += " ]\n}\n";
  return out;
}

}  // namespace sharesim::reports
