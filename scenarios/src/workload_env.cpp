// A workload's `env`: the NVIDIA and MPS variables the model reads (NVIDIA_VISIBLE_DEVICES,
// CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, CUDA_MPS_PINNED_DEVICE_MEM_LIMIT); others are kept as written.
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "scenario_reader.h"
#include "sharesim/sim/text_util.h"
#include "sharesim/sim/units.h"

namespace sharesim::scenarios::detail {
namespace {

// NVIDIA's MPS memory-limit sizes: a number with K, M, G or T (binary multiples, as the MPS
// control daemon reads them; "KB", "MB", ... the same), or our KiB/MiB/GiB/TiB.
std::optional<int64_t> parse_mps_size(std::string_view text) {
  text = sim::trim(text);
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  auto number = sim::parse_number(text.substr(0, i));
  if (!number || !(*number > 0)) return std::nullopt;
  std::string unit(sim::trim(text.substr(i)));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 3 && unit[1] == 'I' && unit[2] == 'B') unit = unit.substr(0, 1);
  if (unit.size() == 2 && unit[1] == 'B') unit = unit.substr(0, 1);
  double multiplier = 0;
  if (unit == "K")
    multiplier = 1024.0;
  else if (unit == "M")
    multiplier = 1024.0 * 1024.0;
  else if (unit == "G")
    multiplier = 1024.0 * 1024.0 * 1024.0;
  else if (unit == "T")
    multiplier = 1024.0 * 1024.0 * 1024.0 * 1024.0;
  else
    return std::nullopt;
  const double bytes = *number * multiplier;
  if (bytes >= 9.0e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(bytes));
}

}  // namespace

bool ScenarioReader::read_env(const YamlNode& node, const std::string& path, const DeviceSpec& device,
                              WorkloadSpec& w) {
  if (!expect_map(node, path, "environment variables (NAME: value)")) return false;
  for (const auto& [key, value] : node.entries) {
    const std::string p = key_path(path, key.value);
    if (!value.is_scalar() && !value.is_null()) {
      return fail(value, p, "expected a string value, found " + value.describe());
    }
    w.env[key.value] = value.value;
    const std::string v(sim::trim(value.value));
    if (key.value == "NVIDIA_VISIBLE_DEVICES") {
      const std::string one_gpu =
          std::string(
              "a module maps to exactly one GPU (no fractional use; one module cannot span two GPUs): ") +
          (device.gpus == 1 ? "name GPU index 0" : "name one GPU index, 0 or 1");
      if (v == "all") {
        if (device.gpus == 1) {
          w.visible_device = 0;
          continue;
        }
        return fail(
            value, p,
            "expected one GPU index, found 'all' on device '" + device.name + "' with 2 GPUs: " + one_gpu);
      }
      if (v.find(',') != std::string::npos) {
        return fail(value, p,
                    "expected one GPU index, found '" + v + "', which names several GPUs: " + one_gpu);
      }
      if (v.empty() || v == "none" || v == "void") {
        return fail(value, p,
                    "expected one GPU index, found '" + v +
                        "' (no GPU): this workload submits GPU work, so " + one_gpu);
      }
      if (v.find('.') != std::string::npos || v.find('/') != std::string::npos ||
          v.find('%') != std::string::npos) {
        return fail(value, p, "expected a whole GPU index, found the fraction '" + v + "': " + one_gpu);
      }
      int64_t index = -1;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), index);
      if (ec != std::errc() || ptr != v.data() + v.size()) {
        return fail(value, p,
                    "expected a GPU index from 0 to " + std::to_string(device.gpus - 1) + ", found '" + v +
                        "' (GPU UUIDs are not modeled)");
      }
      if (index < 0 || index >= device.gpus) {
        return fail(value, p,
                    "expected a GPU index from 0 to " + std::to_string(device.gpus - 1) + ", found " +
                        std::to_string(index) + ": device '" + device.name + "' has " +
                        std::to_string(device.gpus) + (device.gpus == 1 ? " GPU" : " GPUs"));
      }
      w.visible_device = static_cast<int>(index);
    } else if (key.value == "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE") {
      int64_t pct = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), pct);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || pct < 1 || pct > 100) {
        return fail(value, p,
                    "expected an integer percentage from 1 to 100 (e.g. \"20\"), found '" + v + "'");
      }
      w.mps_active_thread_percentage = static_cast<int>(pct);
    } else if (key.value == "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT") {
      // NVIDIA's form: a comma-separated list of <device ordinal>=<size>, e.g. "0=2G"; we also
      // take a bare "2G". Inside a container or VM the one GPU it sees is device 0.
      const std::string form =
          "expected <device>=<size> such as \"0=2G\" (sizes K, M, G, T are binary; the module's one GPU is "
          "device 0)";
      std::optional<int64_t> limit;
      size_t pos = 0;
      while (pos <= v.size()) {
        const size_t comma = v.find(',', pos);
        const std::string item(sim::trim(
            std::string_view(v).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
        pos = comma == std::string::npos ? v.size() + 1 : comma + 1;
        std::string size_text = item;
        if (const size_t eq = item.find('='); eq != std::string::npos) {
          const std::string ordinal(sim::trim(std::string_view(item).substr(0, eq)));
          size_text = item.substr(eq + 1);
          if (ordinal != "0") {
            return fail(value, p,
                        form + ", found device '" + ordinal + "' in '" + v +
                            "': a module sees exactly one GPU, as device 0");
          }
        }
        const auto bytes = parse_mps_size(size_text);
        if (!bytes) return fail(value, p, form + ", found '" + v + "'");
        if (limit) return fail(value, p, form + ", found device 0 twice in '" + v + "'");
        limit = bytes;
      }
      w.mps_pinned_mem_limit_bytes = limit;
    }
  }
  return true;
}

}  // namespace sharesim::scenarios::detail
