// Reads a scenario's YAML tree into a Scenario, one section reader per file: the document's top
// level in loader.cpp, then device_section.cpp, workload_section.cpp, workload_env.cpp,
// ops_section.cpp, arrivals_section.cpp and slo_section.cpp. Each read_* returns false after
// recording the first error (YamlReader). Private to the scenarios library.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/scenarios/source_location.h"
#include "sharesim/yaml/yaml_reader.h"

namespace sharesim::scenarios::detail {

using yaml::YamlEntry;
using yaml::YamlNode;

class ScenarioReader : public yaml::YamlReader {
 public:
  ScenarioReader(std::string file, std::string base_dir, const LoadOptions& options)
      : yaml::YamlReader(std::move(file), std::move(base_dir)), options_(options) {}

  bool read(const YamlNode& root, Scenario& out);

 private:
  // Where a node was written, for messages raised after loading (e.g. the device claim rules).
  SourceLocation where(const YamlNode& at, const std::string& path) const {
    return SourceLocation{at.origin.empty() ? file_ : at.origin, at.line, at.column, path};
  }

  bool read_device(const YamlNode& node, const std::string& path, DeviceSpec& d);
  bool read_setup_step(const YamlNode& node, const std::string& path, DeviceSpec& d);
  bool read_workload(const YamlNode& node, const std::string& path, const Scenario& s, WorkloadSpec& w);
  bool read_env(const YamlNode& node, const std::string& path, const DeviceSpec& device, WorkloadSpec& w);
  bool read_arrivals(const YamlNode& node, const std::string& path, models::ArrivalSpec& out);
  bool read_request(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                    models::RequestSpec& out);
  bool read_op(const YamlNode& node, const std::string& path, const DeviceSpec& device, size_t index,
               std::vector<models::OpSpec>& ops);
  bool read_profile(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                    std::vector<models::OpSpec>& ops);
  bool read_launch_configuration(const YamlNode& node, const std::string& path, models::KernelOpSpec& k);
  bool read_distribution(const YamlNode& node, const std::string& path, sim::DurationDistribution& out);
  bool read_slo(const YamlNode& node, const std::string& path, models::SloSpec& out);
  // server_section.cpp: `batching`, `server`, `client` and `request: {model: ...}`.
  bool read_batching(const YamlNode& node, const std::string& path, models::BatchingSpec& out);
  bool read_server(const YamlNode& node, const std::string& path, models::ServerSpec& out);
  bool read_client(const YamlNode& node, const std::string& path, models::ClientSpec& out);
  bool read_library_request(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                            models::RequestSpec& out, std::string& entry_name);
  bool read_bandwidth(const YamlNode& node, const std::string& path, double& bytes_per_s);
  // The throughput figures of a GPU (for `measured_on` rescaling): the LoadOptions hook, else the
  // built-in figures.
  std::optional<GpuThroughput> throughput(const std::string& name_or_path) const {
    if (options_.gpu_throughput) {
      if (auto t = options_.gpu_throughput(name_or_path, base_dir_)) return t;
    }
    return builtin_gpu_throughput(name_or_path);
  }

  const LoadOptions& options_;
  std::map<std::string, const YamlNode*> device_name_nodes_;
};

}  // namespace sharesim::scenarios::detail
