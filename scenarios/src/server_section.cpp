// How a workload is served: the dynamic batcher (`batching`), the serving process's instances
// and CPU stages (`server`), the time outside the server (`client`), and requests named by the
// model library (`request: {model, precision, engine}`).
#include <algorithm>
#include <string>
#include <vector>

#include "scenario_reader.h"
#include "sharesim/models/model_library.h"
#include "sharesim/sim/units.h"
#include "sharesim/sim/text_util.h"

namespace sharesim::scenarios::detail {

bool ScenarioReader::read_batching(const YamlNode& node, const std::string& path, models::BatchingSpec& b) {
  if (!expect_map(node, path, "batching settings {max_batch, max_delay, preferred, queue}")) return false;
  if (!check_keys(node, path, {"max_batch", "max_delay", "preferred", "queue"})) return false;
  const YamlNode* mb = required(node, path, "max_batch", "the largest batch, an integer >= 1");
  if (mb == nullptr || !read_int(*mb, path + ".max_batch", 1, 1000000, b.max_batch)) return false;
  if (const YamlNode* md = optional(node, "max_delay");
      md != nullptr && !read_duration(*md, path + ".max_delay", false, b.max_delay))
    return false;
  if (const YamlNode* pref = optional(node, "preferred")) {
    const std::string pp = path + ".preferred";
    if (!pref->is_sequence() || pref->items.empty()) {
      return fail(*pref, pp, "expected a list of batch sizes such as [4, 8], found " + pref->describe());
    }
    for (size_t i = 0; i < pref->items.size(); ++i) {
      int size = 0;
      if (!read_int(pref->items[i], index_path(pp, i), 1, b.max_batch, size)) return false;
      if (!b.preferred.empty() && size <= b.preferred.back()) {
        return fail(pref->items[i], index_path(pp, i),
                    "expected batch sizes in ascending order without repeats, found " + std::to_string(size) +
                        " after " + std::to_string(b.preferred.back()));
      }
      b.preferred.push_back(size);
    }
  }
  if (const YamlNode* q = optional(node, "queue")) {
    const std::string qp = path + ".queue";
    if (!expect_map(*q, qp, "a queue policy {max_size, timeout}")) return false;
    if (!check_keys(*q, qp, {"max_size", "timeout"})) return false;
    if (const YamlNode* v = optional(*q, "max_size");
        v != nullptr && !read_int(*v, qp + ".max_size", 0, 100000000, b.max_queue_size))
      return false;
    if (const YamlNode* v = optional(*q, "timeout");
        v != nullptr && !read_duration(*v, qp + ".timeout", false, b.queue_timeout))
      return false;
  }
  return true;
}

bool ScenarioReader::read_server(const YamlNode& node, const std::string& path, models::ServerSpec& out) {
  if (!expect_map(node, path, "server settings {instances, copy_streams, cpu}")) return false;
  if (!check_keys(node, path, {"instances", "copy_streams", "cpu"})) return false;
  if (const YamlNode* v = optional(node, "instances");
      v != nullptr && !read_int(*v, path + ".instances", 1, 64, out.instances))
    return false;
  if (const YamlNode* v = optional(node, "copy_streams");
      v != nullptr && !read_int(*v, path + ".copy_streams", 0, 64, out.copy_streams))
    return false;
  if (const YamlNode* cpu = optional(node, "cpu")) {
    const std::string cp = path + ".cpu";
    if (!expect_map(*cpu, cp, "CPU stages {workers, preprocess, postprocess}")) return false;
    if (!check_keys(*cpu, cp, {"workers", "preprocess", "postprocess"})) return false;
    const YamlNode* w = required(*cpu, cp, "workers", "the CPU threads serving pre/post-processing, >= 1");
    if (w == nullptr || !read_int(*w, cp + ".workers", 1, 4096, out.cpu_workers)) return false;
    if (const YamlNode* v = optional(*cpu, "preprocess");
        v != nullptr && !read_duration(*v, cp + ".preprocess", false, out.preprocess))
      return false;
    if (const YamlNode* v = optional(*cpu, "postprocess");
        v != nullptr && !read_duration(*v, cp + ".postprocess", false, out.postprocess))
      return false;
  }
  return true;
}

bool ScenarioReader::read_bandwidth(const YamlNode& node, const std::string& path, double& bytes_per_s) {
  if (!scalar(node, path, "a bandwidth such as 1.25GB/s")) return false;
  const std::string_view text = sim::trim(node.value);
  if (text.size() < 3 || text.substr(text.size() - 2) != "/s") {
    return fail(node, path,
                "expected a bandwidth in bytes per second such as 1.25GB/s, found " + node.describe());
  }
  auto bytes = sim::parse_bytes(text.substr(0, text.size() - 2));
  if (!bytes) return fail(node, path, bytes.error().message);
  if (*bytes <= 0) return fail(node, path, "expected a bandwidth > 0, found " + node.describe());
  bytes_per_s = static_cast<double>(*bytes);
  return true;
}

bool ScenarioReader::read_client(const YamlNode& node, const std::string& path, models::ClientSpec& out) {
  if (!expect_map(node, path,
                  "client settings {serialize, deserialize, request_bytes, response_bytes, link}"))
    return false;
  if (!check_keys(node, path, {"serialize", "deserialize", "request_bytes", "response_bytes", "link"}))
    return false;
  if (const YamlNode* v = optional(node, "serialize");
      v != nullptr && !read_duration(*v, path + ".serialize", false, out.serialize))
    return false;
  if (const YamlNode* v = optional(node, "deserialize");
      v != nullptr && !read_duration(*v, path + ".deserialize", false, out.deserialize))
    return false;
  if (const YamlNode* v = optional(node, "request_bytes");
      v != nullptr && !read_bytes(*v, path + ".request_bytes", false, out.request_bytes))
    return false;
  if (const YamlNode* v = optional(node, "response_bytes");
      v != nullptr && !read_bytes(*v, path + ".response_bytes", false, out.response_bytes))
    return false;
  if (const YamlNode* link = optional(node, "link")) {
    const std::string lp = path + ".link";
    if (!expect_map(*link, lp, "a network link {bandwidth, latency}")) return false;
    if (!check_keys(*link, lp, {"bandwidth", "latency"})) return false;
    const YamlNode* bw = required(*link, lp, "bandwidth", "the link's bandwidth, e.g. 1.25GB/s");
    if (bw == nullptr || !read_bandwidth(*bw, lp + ".bandwidth", out.link_bytes_per_s)) return false;
    if (const YamlNode* v = optional(*link, "latency");
        v != nullptr && !read_duration(*v, lp + ".latency", false, out.link_latency))
      return false;
  }
  return true;
}

bool ScenarioReader::read_library_request(const YamlNode& node, const std::string& path,
                                          const DeviceSpec& device, models::RequestSpec& out,
                                          std::string& entry_name) {
  if (!check_keys(node, path, {"model", "precision", "engine", "engine_version"})) return false;
  std::string model;
  std::string precision;
  std::string engine;
  std::string version;
  const YamlNode* m = required(node, path, "model", "a model of the library (`sharesim models` lists them)");
  if (m == nullptr || !read_string(*m, path + ".model", model)) return false;
  const YamlNode* p = required(node, path, "precision", "int8, fp16 or fp32");
  if (p == nullptr || !read_string(*p, path + ".precision", precision)) return false;
  const YamlNode* e = required(node, path, "engine", "the inference engine, e.g. tensorrt");
  if (e == nullptr || !read_string(*e, path + ".engine", engine)) return false;
  const YamlNode* ev = optional(node, "engine_version");
  if (ev != nullptr && !read_string(*ev, path + ".engine_version", version)) return false;
  const auto found = models::find_library_entries(model, precision, engine, version);
  if (found.empty()) {
    std::vector<std::string> names;
    for (const models::ModelLibraryEntry& entry : models::model_library()) {
      const std::string name = entry.model + " " + entry.precision + " " + entry.engine;
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : "; ") + n;
    return fail(node, path,
                "expected a published model-library entry (" + list + "), found " + model + " " + precision +
                    " " + engine + (version.empty() ? "" : " '" + version + "'") +
                    " (nothing published for it; write the request's ops instead)");
  }
  const models::ModelLibraryEntry& entry = *found.front();
  if (entry.scaling == "none" && device.gpu_profile != entry.gpu) {
    return fail(node, path,
                "expected device '" + device.name + "' to use the GPU profile '" + entry.gpu +
                    "' this entry was measured on (it says no way to scale to another), found '" +
                    device.gpu_profile + "'");
  }
  out = models::library_request(entry);
  entry_name = entry.model + " " + entry.precision + " " + entry.engine + " (" + entry.engine_version + ")";
  return true;
}

}  // namespace sharesim::scenarios::detail
