// A scenario device's setup steps as claim requests for the device model (models/device.h).
#include <type_traits>
#include <variant>

#include "run_steps.h"

namespace sharesim::run::detail {

using scenarios::DeviceSpec;
using scenarios::SetupStep;
using scenarios::SourceLocation;

namespace {

std::vector<models::GpuConsumerRequest> consumer_requests(const DeviceSpec& device) {
  std::vector<models::GpuConsumerRequest> requests;
  for (const SetupStep& step : device.setup) {
    std::visit(
        [&](const auto& s) {
          using T = std::decay_t<decltype(s)>;
          if constexpr (std::is_same_v<T, scenarios::VmSetup>) {
            requests.emplace_back(models::GpuVmRequest{s.name, s.size, s.os, s.gpu_extension});
          } else if constexpr (std::is_same_v<T, scenarios::KubernetesSetup>) {
            requests.emplace_back(models::KubernetesRequest{});
          } else {
            requests.emplace_back(models::IotEdgeRequest{});
          }
        },
        step);
  }
  return requests;
}

const SourceLocation& step_location(const SetupStep& step) {
  return std::visit([](const auto& s) -> const SourceLocation& { return s.where; }, step);
}

}  // namespace

Error error_at(const SourceLocation& where, std::string message) {
  return Error{.file = where.file,
               .line = where.line,
               .column = where.column,
               .field = where.field,
               .message = std::move(message)};
}

Result<models::DeviceClaims> claim_device(const DeviceSpec& device, std::vector<std::string>* warnings) {
  auto claims = models::claim_gpus(device.gpus, consumer_requests(device));
  if (!claims)
    return claims.error().at(device.where.file, device.where.line, device.where.column, device.where.field);
  for (const models::GpuConsumerClaim& c : claims->consumers) {
    const SourceLocation& where = step_location(device.setup[c.step]);
    if (!c.created) return error_at(where, c.failure);
    if (warnings) {
      for (const std::string& w : c.warnings) warnings->push_back(device.name + ": " + c.name + ": " + w);
    }
  }
  return claims;
}

}  // namespace sharesim::run::detail
