// The scenario loader: a valid file becomes the right Scenario; every kind of bad input gives an
// Error with the right file, line, column and key path. Line and column numbers in the expected
// values were counted by hand in the YAML text of each test (1-based).
#include "sharesim/scenarios/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace sharesim::scenarios {
namespace {

using sim::Time;

// Line numbers of kBase, for reference:
//  1 name  2 seed  3 duration  4 warmup  5 devices  6 - name: edge-1  7 gpus  8 sharing  9 setup
// 10 - vm  11 - kubernetes  12 workloads  13 - name: detector  14 device  15 runtime  16 replicas
// 17 memory  18 env  19 NVIDIA_VISIBLE_DEVICES  20 CUDA_MPS_ACTIVE_THREAD_PERCENTAGE  21 arrivals
// 22 batching  23 request  24 ops  25 h2d  26 kernel  27 d2h  28 slo
constexpr const char* kBase = R"(name: test
seed: 42
duration: 10s
warmup: 1s
devices:
  - name: edge-1
    gpus: 1
    sharing: mps
    setup:
      - vm: analytics-vm
      - kubernetes: {}
workloads:
  - name: detector
    device: edge-1
    runtime: kubernetes
    replicas: 2
    memory: 2GiB
    env:
      NVIDIA_VISIBLE_DEVICES: "0"
      CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: "20"
    arrivals: {poisson: {rate: 200/s}}
    batching: {max_batch: 8, max_delay: 2ms}
    request:
      ops:
        - h2d: 600KiB
        - kernel: {duration: 1.2ms, sms: 40, memory_bound: 0.3}
        - d2h: 4KiB
    slo: {p99: 50ms, min_throughput: 190/s}
)";

// kBase with `from` (which must occur exactly once) replaced by `to`.
std::string with(std::string_view from, std::string_view to, std::string text = kBase) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the base scenario";
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "test bug: '" << from << "' occurs twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Result<Scenario> load(const std::string& yaml, std::vector<std::string> overrides = {},
                      LoadOptions options = {}) {
  options.overrides = std::move(overrides);
  return load_scenario_text(yaml, "test.yaml", SHARESIM_TEST_DATA_DIR, options);
}

// Asserts an error at file:line:column with key path `field` whose message contains `part`.
void expect_error(const Result<Scenario>& r, const std::string& file, int line, int column,
                  const std::string& field, const std::string& part) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << part;
  const Error& e = r.error();
  EXPECT_EQ(e.file, file) << e.to_string();
  EXPECT_EQ(e.line, line) << e.to_string();
  EXPECT_EQ(e.column, column) << e.to_string();
  EXPECT_EQ(e.field, field) << e.to_string();
  EXPECT_NE(e.message.find(part), std::string::npos)
      << "message: " << e.message << "\nexpected to contain: " << part;
}
void expect_error(const Result<Scenario>& r, int line, int column, const std::string& field,
                  const std::string& part) {
  expect_error(r, "test.yaml", line, column, field, part);
}

TEST(LoadScenario, ValidFileBecomesTheScenarioItDescribes) {
  auto r = load(kBase);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const Scenario& s = *r;
  EXPECT_EQ(s.file, "test.yaml");
  EXPECT_EQ(s.name, "test");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.duration, Time::s(10));
  EXPECT_EQ(s.warmup, Time::s(1));
  EXPECT_EQ(s.utilization_window, Time::s(1));  // default
  ASSERT_EQ(s.devices.size(), 1u);
  const DeviceSpec& d = s.devices[0];
  EXPECT_EQ(d.name, "edge-1");
  EXPECT_EQ(d.gpus, 1);
  EXPECT_EQ(d.gpu_profile, "t4");  // default
  EXPECT_EQ(d.cost, 1.0);          // default
  EXPECT_EQ(d.sharing, ContainerSharing::kMps);
  ASSERT_EQ(d.setup.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<VmSetup>(d.setup[0]));
  EXPECT_EQ(std::get<VmSetup>(d.setup[0]).name, "analytics-vm");
  EXPECT_EQ(std::get<VmSetup>(d.setup[0]).where.line, 10);
  EXPECT_TRUE(std::holds_alternative<KubernetesSetup>(d.setup[1]));
  EXPECT_EQ(d.where.line, 6);
  EXPECT_EQ(d.where.field, "devices[0]");

  ASSERT_EQ(s.workloads.size(), 1u);
  const WorkloadSpec& w = s.workloads[0];
  EXPECT_EQ(w.name, "detector");
  EXPECT_EQ(w.device, "edge-1");
  EXPECT_EQ(w.runtime, RuntimeKind::kKubernetes);
  EXPECT_EQ(w.replicas, 2);
  EXPECT_EQ(w.memory_bytes, int64_t{2} * 1024 * 1024 * 1024);
  EXPECT_EQ(w.env.at("NVIDIA_VISIBLE_DEVICES"), "0");
  EXPECT_EQ(w.visible_device, 0);
  EXPECT_EQ(w.mps_active_thread_percentage, 20);
  EXPECT_FALSE(w.mps_pinned_mem_limit_bytes.has_value());
  ASSERT_TRUE(std::holds_alternative<models::PoissonArrivals>(w.arrivals));
  EXPECT_DOUBLE_EQ(std::get<models::PoissonArrivals>(w.arrivals).rate_per_s, 200.0);
  ASSERT_TRUE(w.batching.has_value());
  EXPECT_EQ(w.batching->max_batch, 8);
  EXPECT_EQ(w.batching->max_delay, Time::ms(2));
  ASSERT_EQ(w.request.ops.size(), 3u);
  const auto& h2d = std::get<models::CopyOpSpec>(w.request.ops[0]);
  EXPECT_EQ(h2d.direction, models::CopyDirection::kHostToDevice);
  EXPECT_EQ(h2d.bytes, 600 * 1024);
  EXPECT_TRUE(h2d.pinned);
  const auto& k = std::get<models::KernelOpSpec>(w.request.ops[1]);
  EXPECT_EQ(k.duration.kind(), sim::DurationDistribution::Kind::kDeterministic);
  EXPECT_EQ(k.duration.mean(), Time::us(1200));
  EXPECT_EQ(k.sms, 40);
  EXPECT_DOUBLE_EQ(k.memory_bound, 0.3);
  const auto& d2h = std::get<models::CopyOpSpec>(w.request.ops[2]);
  EXPECT_EQ(d2h.direction, models::CopyDirection::kDeviceToHost);
  EXPECT_EQ(d2h.bytes, 4096);
  EXPECT_EQ(w.slo.p99, Time::ms(50));
  EXPECT_FALSE(w.slo.p50.has_value());
  EXPECT_DOUBLE_EQ(*w.slo.min_throughput_per_s, 190.0);
}

// ---- Each kind of error, with its location ----------------------------------------------------

// Line 21 is "    arrivals: {poisson: {rate: 200/s}}": the rate's value starts at column 32.

TEST(LoadScenarioErrors, WrongType) {
  // "    replicas: " is 14 characters: the value starts at column 15.
  expect_error(load(with("replicas: 2", "replicas: [2]")), 16, 15, "workloads[0].replicas",
               "expected an integer from 1 to 100000, found a list");
}

TEST(LoadScenarioErrors, MissingKeyNamesTheMappingThatLacksIt) {
  // The workload mapping starts at line 13, column 5 (after "  - ").
  expect_error(load(with("    device: edge-1\n", "")), 13, 5, "workloads[0]", "missing key 'device'");
}

TEST(LoadScenarioErrors, UnknownKeySuggestsTheClosestKey) {
  expect_error(load(with("replicas: 2", "replica: 2")), 16, 5, "workloads[0].replica",
               "unknown key 'replica' (did you mean 'replicas'?)");
  expect_error(load(with("workloads:", "workload:")), 12, 1, "workload", "did you mean 'workloads'?");
  // Nothing close: no suggestion, but the list of what is allowed.
  auto r = load(with("replicas: 2", "zzzzzzzzzz: 2"));
  expect_error(r, 16, 5, "workloads[0].zzzzzzzzzz", "expected one of: name, device, runtime");
  EXPECT_EQ(r.error().message.find("did you mean"), std::string::npos);
}

TEST(LoadScenarioErrors, UnknownSetupStepAndOperationSuggest) {
  expect_error(load(with("- vm: analytics-vm", "- vmm: analytics-vm")), 10, 9, "devices[0].setup[0].vmm",
               "did you mean 'vm'?");
  expect_error(load(with("- d2h: 4KiB", "- d2hh: 4KiB")), 27, 11, "workloads[0].request.ops[2].d2hh",
               "did you mean 'd2h'?");
}

TEST(LoadScenarioErrors, BadUnit) {
  // "        - kernel: {duration: " is 29 characters: the value starts at column 30.
  expect_error(load(with("duration: 1.2ms", "duration: 1.2parsecs")), 26, 30,
               "workloads[0].request.ops[1].kernel.duration", "parsecs");
  expect_error(load(with("memory: 2GiB", "memory: 2GB/s")), 17, 13, "workloads[0].memory", "2GB/s");
  expect_error(load(with("rate: 200/s", "rate: 200/fortnight")), 21, 32, "workloads[0].arrivals.poisson.rate",
               "200/fortnight");
  // A duration without a unit.
  expect_error(load(with("duration: 10s", "duration: 10")), 3, 11, "duration", "10");
}

TEST(LoadScenarioErrors, NanAndInfinityAreRejected) {
  // memory_bound's value starts at column 60 of line 26 (counted: "sms: 40, memory_bound: " ends at 59).
  expect_error(load(with("memory_bound: 0.3", "memory_bound: .nan")), 26, 60,
               "workloads[0].request.ops[1].kernel.memory_bound", "expected a number >= 0 and <= 1");
  expect_error(load(with("memory_bound: 0.3", "memory_bound: nan")), 26, 60,
               "workloads[0].request.ops[1].kernel.memory_bound", "expected a number");
  auto r = load(with("rate: 200/s", "rate: inf/s"));
  expect_error(r, 21, 32, "workloads[0].arrivals.poisson.rate", "inf");
  auto c = load(with("    gpus: 1\n", "    gpus: 1\n    cost: .inf\n"));
  expect_error(c, 8, 11, "devices[0].cost", "expected a number >= 0");
}

TEST(LoadScenarioErrors, OutOfRange) {
  expect_error(load(with("gpus: 1", "gpus: 3")), 7, 11, "devices[0].gpus", "expected 1 or 2");
  expect_error(load(with("replicas: 2", "replicas: 0")), 16, 15, "workloads[0].replicas",
               "expected an integer from 1 to 100000, found 0");
  expect_error(load(with("memory_bound: 0.3", "memory_bound: 1.5")), 26, 60,
               "workloads[0].request.ops[1].kernel.memory_bound", "found '1.5'");
  expect_error(load(with("rate: 200/s", "rate: 0/s")), 21, 32, "workloads[0].arrivals.poisson.rate",
               "expected a rate > 0");
  expect_error(load(with("rate: 200/s", "rate: 2e9/s")), 21, 32, "workloads[0].arrivals.poisson.rate",
               "at most 1e9/s");
  expect_error(load(with("max_batch: 8", "max_batch: 0")), 22, 27, "workloads[0].batching.max_batch",
               "expected an integer from 1");
  // A required duration of zero.
  expect_error(load(with("duration: 10s", "duration: 0s")), 3, 11, "duration", "expected a duration > 0");
  expect_error(load(with("p99: 50ms", "p99: 0ms")), 28, 16, "workloads[0].slo.p99",
               "expected a duration > 0");
}

TEST(LoadScenarioErrors, WarmupMustBeShorterThanDuration) {
  expect_error(load(with("warmup: 1s", "warmup: 10s")), 4, 9, "warmup",
               "expected a warmup shorter than duration (10s), found 10s");
}

TEST(LoadScenarioErrors, DuplicateKeyIsAnErrorNamingBothPlaces) {
  expect_error(load(with("    replicas: 2\n", "    replicas: 2\n    replicas: 3\n")), 17, 5,
               "workloads[0].replicas", "duplicate key 'replicas' (first written at line 16, column 5)");
  // Also inside flow mappings.
  expect_error(load(with("{max_batch: 8, max_delay: 2ms}", "{max_batch: 8, max_batch: 2}")), 22, 30,
               "workloads[0].batching.max_batch", "duplicate key 'max_batch'");
}

TEST(LoadScenarioErrors, YamlSyntaxErrorHasAPosition) {
  auto r = load(with("arrivals: {poisson: {rate: 200/s}}", "arrivals: {poisson: {rate: 200/s}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "test.yaml");
  EXPECT_GT(r.error().line, 20);
  EXPECT_NE(r.error().message.find("YAML syntax error"), std::string::npos) << r.error().message;
}

TEST(LoadScenarioErrors, NamesMustExistAndBeUnique) {
  expect_error(load(with("device: edge-1", "device: edge-2")), 14, 13, "workloads[0].device",
               "found 'edge-2' (did you mean 'edge-1'?)");
  const std::string two = std::string(kBase) + R"(  - name: detector
    device: edge-1
    arrivals: {constant: {rate: 1/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
)";
  expect_error(load(two), 29, 11, "workloads[1].name",
               "expected a unique workload name, found 'detector' again (first at line 13)");
  const std::string two_devices = with("workloads:", "  - name: edge-1\nworkloads:");
  expect_error(load(two_devices), 12, 11, "devices[1].name",
               "expected a unique device name, found 'edge-1' again (first at line 6)");
}

TEST(LoadScenarioErrors, RuntimeMustBeCreatedByTheDeviceSetup) {
  auto vm = load(with("runtime: kubernetes", "runtime: vm:analytics-vm"));
  ASSERT_TRUE(vm.ok()) << vm.error().to_string();
  EXPECT_EQ(vm->workloads[0].runtime, RuntimeKind::kVm);
  EXPECT_EQ(vm->workloads[0].vm, "analytics-vm");
  expect_error(load(with("runtime: kubernetes", "runtime: vm:analytics")), 15, 14, "workloads[0].runtime",
               "did you mean 'vm:analytics-vm'?");
  expect_error(load(with("runtime: kubernetes", "runtime: kubernets")), 15, 14, "workloads[0].runtime",
               "did you mean 'kubernetes'?");
  expect_error(load(with("runtime: kubernetes", "runtime: iot-edge")), 15, 14, "workloads[0].runtime",
               "add `- iot-edge: {}`");
  // Default runtime kubernetes without a kubernetes step.
  expect_error(load(with("      - kubernetes: {}\n", "", with("    runtime: kubernetes\n", ""))), 12, 5,
               "workloads[0].runtime", "missing key 'runtime'");
}

TEST(LoadScenarioErrors, SetupNeedsUniqueVmNames) {
  expect_error(load(with("      - kubernetes: {}\n",
                         "      - vm: {name: analytics-vm, size: Standard_NC4as_T4_v3}\n")),
               11, 9, "devices[0].setup[1].vm", "expected a unique VM name on device 'edge-1'");
}

// ---- env -----------------------------------------------------------------------------------------

Result<Scenario> with_env(const std::string& name, const std::string& value, int gpus = 1) {
  std::string text = with("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"20\"", name + ": " + value);
  if (gpus == 2) text = with("gpus: 1", "gpus: 2", text);
  return load(text);
}

TEST(LoadScenarioEnv, VisibleDevicesNamesExactlyOneExistingGpu) {
  // NVIDIA_VISIBLE_DEVICES is on line 19; its value (a quote) starts at column 31.
  expect_error(load(with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: \"0,1\"")), 19, 31,
               "workloads[0].env.NVIDIA_VISIBLE_DEVICES", "one module cannot span two GPUs");
  expect_error(load(with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: \"0.5\"")), 19, 31,
               "workloads[0].env.NVIDIA_VISIBLE_DEVICES", "no fractional use");
  expect_error(load(with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: \"1\"")), 19, 31,
               "workloads[0].env.NVIDIA_VISIBLE_DEVICES", "device 'edge-1' has 1 GPU");
  expect_error(load(with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: none")), 19, 31,
               "workloads[0].env.NVIDIA_VISIBLE_DEVICES", "this workload submits GPU work");
  // "all" is one GPU on a 1-GPU device, but both on a 2-GPU device.
  auto one = load(with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: all"));
  ASSERT_TRUE(one.ok()) << one.error().to_string();
  EXPECT_EQ(one->workloads[0].visible_device, 0);
  auto both =
      load(with("gpus: 1", "gpus: 2", with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: all")));
  expect_error(both, 19, 31, "workloads[0].env.NVIDIA_VISIBLE_DEVICES", "one module cannot span two GPUs");
  auto second =
      load(with("gpus: 1", "gpus: 2", with("NVIDIA_VISIBLE_DEVICES: \"0\"", "NVIDIA_VISIBLE_DEVICES: 1")));
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(second->workloads[0].visible_device, 1);
}

TEST(LoadScenarioEnv, ActiveThreadPercentageIsAnInteger1To100AsStringOrNumber) {
  auto number = with_env("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", "35");
  ASSERT_TRUE(number.ok()) << number.error().to_string();
  EXPECT_EQ(number->workloads[0].mps_active_thread_percentage, 35);
  for (const char* bad : {"\"0\"", "101", "\"20.5\"", "twenty", "\"-5\""}) {
    // Line 20, value at column 42 ("      CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: " is 41 characters).
    expect_error(with_env("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", bad), 20, 42,
                 "workloads[0].env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE",
                 "expected an integer percentage from 1 to 100");
  }
}

TEST(LoadScenarioEnv, PinnedDeviceMemLimitInNvidiaForm) {
  // NVIDIA's sizes are binary: 2G = 2 x 2^30 bytes, 512M = 512 x 2^20.
  const int64_t two_g = int64_t{2} << 30;
  for (const char* ok : {"\"0=2G\"", "\"2G\"", "\"0=2GB\"", "\"0=2048M\"", "\"0=2GiB\""}) {
    auto r = with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", ok);
    ASSERT_TRUE(r.ok()) << ok << ": " << r.error().to_string();
    EXPECT_EQ(r->workloads[0].mps_pinned_mem_limit_bytes, two_g) << ok;
  }
  auto half = with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "\"0=512M\"");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->workloads[0].mps_pinned_mem_limit_bytes, int64_t{512} << 20);
  // Line 20, value at column 41 ("      CUDA_MPS_PINNED_DEVICE_MEM_LIMIT: " is 40 characters).
  expect_error(with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "\"1=2G\""), 20, 41,
               "workloads[0].env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT",
               "a module sees exactly one GPU, as device 0");
  expect_error(with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "\"0=2X\""), 20, 41,
               "workloads[0].env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "expected <device>=<size>");
  expect_error(with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "\"0=1G,0=2G\""), 20, 41,
               "workloads[0].env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "device 0 twice");
  expect_error(with_env("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "\"0=0G\""), 20, 41,
               "workloads[0].env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT", "expected <device>=<size>");
}

TEST(LoadScenarioEnv, OtherVariablesAreKeptAsWritten) {
  auto r = with_env("MY_SETTING", "42");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->workloads[0].env.at("MY_SETTING"), "42");
  expect_error(with_env("MY_SETTING", "[1, 2]"), 20, 19, "workloads[0].env.MY_SETTING",
               "expected a string value");
}

// ---- Arrivals, distributions, ops ----------------------------------------------------------------

TEST(LoadScenario, ArrivalKinds) {
  auto c = load(with("{poisson: {rate: 200/s}}", "{constant: {rate: 3000/m}}"));
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_DOUBLE_EQ(std::get<models::ConstantArrivals>(c->workloads[0].arrivals).rate_per_s, 50.0);  // 3000/60

  auto o = load(with("{poisson: {rate: 200/s}}", "{onoff: {on_rate: 400/s, mean_on: 2s, mean_off: 8s}}"));
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  const auto& on = std::get<models::OnOffArrivals>(o->workloads[0].arrivals);
  EXPECT_DOUBLE_EQ(on.on_rate_per_s, 400.0);
  EXPECT_DOUBLE_EQ(on.off_rate_per_s, 0.0);
  EXPECT_EQ(on.mean_on, Time::s(2));
  EXPECT_EQ(on.mean_off, Time::s(8));

  auto cl = load(with("{poisson: {rate: 200/s}}",
                      "{closed_loop: {clients: 16, think: 5ms, think_distribution: exponential}}"));
  ASSERT_TRUE(cl.ok()) << cl.error().to_string();
  const auto& closed = std::get<models::ClosedLoopArrivals>(cl->workloads[0].arrivals);
  EXPECT_EQ(closed.clients, 16);
  EXPECT_EQ(closed.think, Time::ms(5));
  EXPECT_TRUE(closed.think_exponential);

  expect_error(load(with("{poisson: {rate: 200/s}}", "{poisson: {rate: 1/s}, constant: {rate: 1/s}}")), 21,
               15, "workloads[0].arrivals",
               "exactly one of poisson, constant, onoff, closed_loop, trace, found 2 keys");
  expect_error(load(with("{poisson: {rate: 200/s}}", "{poison: {rate: 1/s}}")), 21, 16,
               "workloads[0].arrivals.poison", "did you mean 'poisson'?");
}

TEST(LoadScenario, TraceArrivalsResolveAgainstTheScenarioFolder) {
  // The fixture's first offsets: 18:15:50.9951690 - 18:15:46.6805900 = 4.3145790 s.
  auto r =
      load(with("{poisson: {rate: 200/s}}",
                "{trace: {file: azure_conv_head.csv, time_column: TIMESTAMP, scale_column: ContextTokens}}"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& t = std::get<models::TraceArrivals>(r->workloads[0].arrivals);
  ASSERT_EQ(t.offsets.size(), 6u);
  EXPECT_EQ(t.offsets[1], Time::ns(4'314'579'000));
  EXPECT_EQ(t.work_scale.size(), 6u);

  expect_error(load(with("{poisson: {rate: 200/s}}", "{trace: {file: no_such_trace.csv}}")), 21, 30,
               "workloads[0].arrivals.trace.file", "expected an existing file");
  // An error inside the trace names the trace file and line, and says where the scenario names it.
  auto bad = load(with("{poisson: {rate: 200/s}}", "{trace: {file: trace_malformed.csv}}"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().file.find("trace_malformed.csv"), std::string::npos);
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_NE(bad.error().message.find("test.yaml:21"), std::string::npos) << bad.error().message;
  // An option that does not fit the file points at the scenario.
  expect_error(load(with("{poisson: {rate: 200/s}}", "{trace: {file: azure_conv_head.csv, start: 6}}")), 21,
               30, "workloads[0].arrivals.trace.start", "6 data rows");
}

TEST(LoadScenario, KernelDurationDistributions) {
  auto e = load(with("duration: 1.2ms", "duration: {exponential: 2ms}"));
  ASSERT_TRUE(e.ok()) << e.error().to_string();
  const auto& ke = std::get<models::KernelOpSpec>(e->workloads[0].request.ops[1]);
  EXPECT_EQ(ke.duration.kind(), sim::DurationDistribution::Kind::kExponential);
  EXPECT_EQ(ke.duration.mean(), Time::ms(2));

  auto l = load(with("duration: 1.2ms", "duration: {lognormal: {mean: 2ms, cv: 0.5}}"));
  ASSERT_TRUE(l.ok()) << l.error().to_string();
  EXPECT_EQ(std::get<models::KernelOpSpec>(l->workloads[0].request.ops[1]).duration.kind(),
            sim::DurationDistribution::Kind::kLognormal);

  auto u = load(with("duration: 1.2ms", "duration: {uniform: [1ms, 3ms]}"));
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  const auto& ku = std::get<models::KernelOpSpec>(u->workloads[0].request.ops[1]);
  EXPECT_EQ(ku.duration.kind(), sim::DurationDistribution::Kind::kUniform);
  EXPECT_EQ(ku.duration.mean(), Time::ms(2));  // (1 + 3) / 2

  // [3ms, 1ms]: the high bound (column 46: "{uniform: [" spans 30-40, "3ms, " 41-45) is below the low bound.
  expect_error(load(with("duration: 1.2ms", "duration: {uniform: [3ms, 1ms]}")), 26, 46,
               "workloads[0].request.ops[1].kernel.duration.uniform[1]",
               "expected a high bound >= the low bound (3ms)");
  expect_error(load(with("duration: 1.2ms", "duration: {normal: 2ms}")), 26, 31,
               "workloads[0].request.ops[1].kernel.duration.normal", "unknown key 'normal'");
}

TEST(LoadScenario, BatchingGrowthAndHostOps) {
  const std::string ops = R"(        - host: {duration: 2ms, per_item: 0.5ms}
        - h2d: {bytes: 600KiB, per_item: 150KiB, pinned: false}
        - kernel: {duration: 1ms, per_item: 0.2ms}
        - d2h: 4KiB
)";
  auto r =
      load(with("        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: 40, memory_bound: 0.3}\n    "
                "    - d2h: 4KiB\n",
                ops));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& o = r->workloads[0].request.ops;
  ASSERT_EQ(o.size(), 4u);
  const auto& host = std::get<models::HostOpSpec>(o[0]);
  EXPECT_EQ(host.duration, Time::ms(2));
  EXPECT_EQ(host.per_item, Time::us(500));
  const auto& h2d = std::get<models::CopyOpSpec>(o[1]);
  EXPECT_EQ(h2d.bytes, 600 * 1024);
  EXPECT_EQ(h2d.per_item_bytes, 150 * 1024);
  EXPECT_FALSE(h2d.pinned);
  const auto& k = std::get<models::KernelOpSpec>(o[2]);
  EXPECT_EQ(k.per_item, Time::us(200));
  EXPECT_EQ(k.sms, 0);  // default: the whole GPU
  EXPECT_EQ(k.memory_bound, 0.0);
}

TEST(LoadScenario, RequestProfileIncludesAndRescales) {
  // The orion profile shipped with the examples, given by an absolute path.
  const std::string profile =
      std::string(SHARESIM_SOURCE_DIR) + "/scenarios/profiles/orion_resnet50_4_fwd.csv";
  auto r =
      load(with("    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: "
                "40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                "    request: {profile: {file: " + profile + ", format: kernels}}\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->workloads[0].request.ops.size(), 175u);
  auto scaled =
      load(with("    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: "
                "40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                "    request: {profile: {file: " + profile + ", measured_on: v100-16gb, per_item: true}}\n"));
  ASSERT_TRUE(scaled.ok()) << scaled.error().to_string();
  // First kernel: Conv, compute-bound, 100,480 ns on the V100; on the T4 (boost-clock figures)
  // x (80 x 1.53) / (40 x 1.59) = 1.9245283 -> 193,376.6 ns, rounded to 193,377 ns; per_item moves it
  // to the per-item part.
  const auto& k0 = std::get<models::KernelOpSpec>(scaled->workloads[0].request.ops[0]);
  EXPECT_EQ(k0.per_item, Time::ns(193'377));
  EXPECT_EQ(k0.duration.mean(), Time::zero());
  expect_error(
      load(with("    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: "
                "40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                "    request: {profile: {file: " + profile + ", measured_on: p100}}\n")),
      23, 0 + static_cast<int>(std::string("    request: {profile: {file: ").size() + profile.size() + 16),
      "workloads[0].request.profile.measured_on",
      "expected a GPU whose SM count, clock and DRAM bandwidth are known");
}

TEST(LoadScenario, NsysProfileResolvesRelativeToTheScenarioAndUsesTheSmLimitsHook) {
  const std::string text = with(
      "    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: 40, "
      "memory_bound: 0.3}\n        - d2h: 4KiB\n",
      "    request: {profile: {file: nsys_resnet_request_cuda_gpu_trace.csv, format: nsys}}\n");
  auto t4 = load(text);
  ASSERT_TRUE(t4.ok()) << t4.error().to_string();
  ASSERT_EQ(t4->workloads[0].request.ops.size(), 7u);
  EXPECT_EQ(std::get<models::KernelOpSpec>(t4->workloads[0].request.ops[1]).sms,
            40);  // 98 SMs wanted, T4 has 40
  LoadOptions options;
  options.sm_limits = [](const std::string& name, const std::string&) -> std::optional<SmLimits> {
    EXPECT_EQ(name, "t4");
    SmLimits big;
    big.sm_count = 80;
    return big;
  };
  auto big = load(text, {}, options);
  ASSERT_TRUE(big.ok()) << big.error().to_string();
  // 784 blocks at 8 per SM = 98 SMs, capped at 80.
  EXPECT_EQ(std::get<models::KernelOpSpec>(big->workloads[0].request.ops[1]).sms, 80);
  expect_error(
      load(with("    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, sms: "
                "40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                "    request: {profile: {file: nsys_resnet_request_cuda_gpu_trace.csv, format: nsy}}\n")),
      23, 79, "workloads[0].request.profile.format", "did you mean 'nsys'?");  // "nsy" at column 79
}

// ---- Overrides -----------------------------------------------------------------------------------

TEST(LoadScenarioOverrides, ByIndexAndByName) {
  auto r = load(kBase, {"workloads[0].replicas=3", "workloads.detector.arrivals.poisson.rate=300/s",
                        "devices.edge-1.gpus=2", "seed = 7"});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->workloads[0].replicas, 3);
  EXPECT_DOUBLE_EQ(std::get<models::PoissonArrivals>(r->workloads[0].arrivals).rate_per_s, 300.0);
  EXPECT_EQ(r->devices[0].gpus, 2);
  EXPECT_EQ(r->seed, 7u);
}

TEST(LoadScenarioOverrides, ValueCanBeAMappingAndALastKeyCanBeAdded) {
  auto r = load(kBase, {"workloads[0].arrivals={constant: {rate: 50/s}}", "workloads[0].slo.p90=30ms",
                        "workloads[0].env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=1G"});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_DOUBLE_EQ(std::get<models::ConstantArrivals>(r->workloads[0].arrivals).rate_per_s, 50.0);
  EXPECT_EQ(r->workloads[0].slo.p90, Time::ms(30));
  EXPECT_EQ(r->workloads[0].mps_pinned_mem_limit_bytes, int64_t{1} << 30);
}

TEST(LoadScenarioOverrides, ErrorsNameTheOverride) {
  // A bad value is validated like the file's own values, located in the override's text:
  // "--set workloads[0].replicas=" is 28 characters, so the value is at column 29.
  expect_error(load(kBase, {"workloads[0].replicas=0"}), "--set workloads[0].replicas=0", 1, 29,
               "workloads[0].replicas", "expected an integer from 1 to 100000, found 0");
  // A missing key on the path; "--set workloads[0]." is 19 characters.
  expect_error(load(kBase, {"workloads[0].batchin.max_batch=4"}), "--set workloads[0].batchin.max_batch=4", 1,
               20, "workloads[0].batchin.max_batch",
               "no key 'batchin' in 'workloads[0]' (did you mean 'batching'?)");
  expect_error(load(kBase, {"workloads[3].replicas=1"}), "--set workloads[3].replicas=1", 1, 16,
               "workloads[3].replicas", "no item [3] in 'workloads', which has 1 item(s)");
  expect_error(load(kBase, {"workloads.detectr.replicas=1"}), "--set workloads.detectr.replicas=1", 1, 17,
               "workloads.detectr.replicas",
               "no item named 'detectr' in 'workloads' (names: detector); did you mean 'detector'?");
  // A misspelt last key is added, then rejected by validation as unknown, still naming the override.
  expect_error(load(kBase, {"workloads[0].replica=3"}), "--set workloads[0].replica=3", 1, 20,
               "workloads[0].replica", "did you mean 'replicas'?");
  expect_error(load(kBase, {"workloads[0].replicas"}), "--set workloads[0].replicas", 1, 1, "",
               "expected key.path=value");
  auto split = split_override(" a.b = c ");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->first, "a.b");
  EXPECT_EQ(split->second, "c");
}

// ---- Hooks ---------------------------------------------------------------------------------------

TEST(LoadScenarioHooks, DeviceCheckErrorGetsTheDeviceLocation) {
  LoadOptions options;
  int calls = 0;
  options.check_device = [&calls](const DeviceSpec& d) -> Status {
    ++calls;
    return make_error("device '" + d.name + "' refused by the test hook");
  };
  expect_error(load(kBase, {}, options), 6, 5, "devices[0]", "refused by the test hook");
  EXPECT_EQ(calls, 1);
}

TEST(LoadScenarioHooks, GpuThroughputLookupIsUsedForMeasuredOn) {
  LoadOptions options;
  options.gpu_throughput = [](const std::string& name, const std::string&) -> std::optional<GpuThroughput> {
    if (name == "double-t4") return GpuThroughput{80, 1.59, 640.0};
    return std::nullopt;
  };
  const std::string profile =
      std::string(SHARESIM_SOURCE_DIR) + "/scenarios/profiles/orion_resnet50_4_fwd.csv";
  auto r = load(with("    request:\n      ops:\n        - h2d: 600KiB\n        - kernel: {duration: 1.2ms, "
                     "sms: 40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                     "    request: {profile: {file: " + profile + ", measured_on: double-t4}}\n"),
                {}, options);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  // Twice the T4 in SMs and bandwidth: every kernel takes exactly twice as long on the T4
  // (factor (1-m) x 2 + m x 2 = 2): Conv 100,480 ns -> 200,960 ns.
  EXPECT_EQ(std::get<models::KernelOpSpec>(r->workloads[0].request.ops[0]).duration.mean(),
            Time::ns(200'960));
}

// ---- The example scenarios ---------------------------------------------------------------------

std::vector<std::string> example_files() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SHARESIM_SOURCE_DIR) + "/scenarios/examples")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ExampleScenarios, EveryExampleLoads) {
  const auto files = example_files();
  EXPECT_GE(files.size(), 9u);
  for (const auto& f : files) {
    auto r = load_scenario(f);
    EXPECT_TRUE(r.ok()) << f << ": " << (r.ok() ? "" : r.error().to_string());
  }
}

TEST(ExampleScenarios, AzureTraceReplaysTheWholeHourAgainstTheRescaledProfile) {
  auto r = load_scenario(std::string(SHARESIM_SOURCE_DIR) + "/scenarios/examples/azure-llm-trace.yaml");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto& w = r->workloads[0];
  EXPECT_EQ(w.replicas, 4);
  EXPECT_EQ(w.mps_active_thread_percentage, 25);
  const auto& t = std::get<models::TraceArrivals>(w.arrivals);
  ASSERT_EQ(t.offsets.size(), 19'366u);
  // 19:14:08.4025270 - 18:15:46.6805900 = 58 min 21.7219370 s = 3,501.7219370 s.
  EXPECT_EQ(t.offsets.back(), Time::ns(3'501'721'937'000));
  EXPECT_LT(t.offsets.back(), r->duration);
  ASSERT_EQ(t.work_scale.size(), 19'366u);
  // ContextTokens sum 22,361,870 over 19,366 rows (awk): mean 1,154.697...; first row 374.
  EXPECT_NEAR(t.work_scale[0], 374.0 / (22'361'870.0 / 19'366.0), 1e-12);
  EXPECT_EQ(w.request.ops.size(), 177u);  // h2d + 175 kernels + d2h
}

// A stand-in for the device model's claim rules (DESIGN.md), to show the hook rejects exactly the
// two examples that are meant to fail: a VM created when Kubernetes already holds every GPU.
Status claim_rules(const DeviceSpec& d) {
  int free_gpus = d.gpus;
  bool kubernetes_holds_all = false;
  for (const auto& step : d.setup) {
    if (const auto* vm = std::get_if<VmSetup>(&step)) {
      if (kubernetes_holds_all || free_gpus == 0)
        return make_error("VM '" + vm->name + "' cannot be created: no free GPU");
      --free_gpus;
    } else if (std::holds_alternative<KubernetesSetup>(step) && free_gpus > 0) {
      kubernetes_holds_all = true;
    }
  }
  return Ok{};
}

TEST(ExampleScenarios, ClaimOrderExamplesFailExactlyWhereTheirCommentsSay) {
  LoadOptions options;
  options.check_device = claim_rules;
  const std::string dir = std::string(SHARESIM_SOURCE_DIR) + "/scenarios/examples/";
  for (const char* ok : {"claim-1gpu-vm-then-kubernetes.yaml", "claim-2gpu-vm-then-kubernetes.yaml",
                         "claim-2gpu-two-vms-then-kubernetes.yaml", "two-t4-vm-and-kubernetes.yaml"}) {
    auto r = load_scenario(dir + ok, options);
    EXPECT_TRUE(r.ok()) << ok << ": " << (r.ok() ? "" : r.error().to_string());
  }
  for (const char* bad : {"claim-1gpu-kubernetes-then-vm.yaml", "claim-2gpu-kubernetes-then-vm.yaml"}) {
    auto r = load_scenario(dir + bad, options);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "devices[0]");
    EXPECT_NE(r.error().message.find("cannot be created"), std::string::npos);
  }
}

TEST(LoadScenario, PlanAndExpectSectionsAreAcceptedAndValidated) {
  // Their contents belong to the planner and `sharesim check` (plan_spec.h, expect_spec.h); the
  // loader accepts the keys and reports an error inside them with its location.
  auto bad_plan = load(std::string(kBase) + "plan: {no_such_key: 1}\n");
  ASSERT_FALSE(bad_plan.ok());
  EXPECT_EQ(bad_plan.error().file, "test.yaml");
  EXPECT_EQ(bad_plan.error().line, 29);
  EXPECT_EQ(bad_plan.error().field.rfind("plan", 0), 0u) << bad_plan.error().to_string();
  auto bad_expect = load(std::string(kBase) + "expect:\n  - detector.p99 <= banana\n");
  ASSERT_FALSE(bad_expect.ok());
  EXPECT_EQ(bad_expect.error().line, 30);
  EXPECT_EQ(bad_expect.error().field.rfind("expect", 0), 0u) << bad_expect.error().to_string();
  auto no_expectations = load(std::string(kBase) + "expect:\n");
  EXPECT_TRUE(no_expectations.ok()) << no_expectations.error().to_string();
}

TEST(LoadScenario, MissingFileAndEmptyFile) {
  auto r = load_scenario("/nonexistent/scenario.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, "/nonexistent/scenario.yaml");
  expect_error(load(""), 1, 1, "", "found an empty file");
  expect_error(load("- just\n- a list\n"), 1, 1, "", "expected a scenario (a mapping)");
}

TEST(LoadScenario, AnchorsAndAliasesAreExpanded) {
  const std::string text = with("    request:\n", "    request: &req\n") + R"(  - name: second
    device: edge-1
    arrivals: {constant: {rate: 10/s}}
    request: *req
)";
  auto r = load(text);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->workloads.size(), 2u);
  EXPECT_EQ(r->workloads[1].request.ops.size(), 3u);
}

// ---- Inference servers (server_section.cpp) --------------------------------------------------------

TEST(LoadScenarioServer, BatcherServerAndClientBecomeTheirSpecs) {
  const auto r =
      load(with("    batching: {max_batch: 8, max_delay: 2ms}\n",
                "    batching: {max_batch: 8, max_delay: 2ms, preferred: [4, 8], queue: {max_size: 64, "
                "timeout: 20ms}}\n"
                "    server: {instances: 2, copy_streams: 4, cpu: {workers: 3, preprocess: 1ms, "
                "postprocess: 0.5ms}}\n"
                "    client: {serialize: 50us, deserialize: 10us, request_bytes: 600KiB, "
                "response_bytes: 4KiB, link: {bandwidth: 1.25GB/s, latency: 40us}}\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const WorkloadSpec& w = r->workloads[0];
  ASSERT_TRUE(w.batching);
  EXPECT_EQ(w.batching->preferred, (std::vector<int>{4, 8}));
  EXPECT_EQ(w.batching->max_queue_size, 64);
  EXPECT_EQ(w.batching->queue_timeout, Time::ms(20));
  EXPECT_EQ(w.server.instances, 2);
  EXPECT_EQ(w.server.copy_streams, 4);
  EXPECT_EQ(w.server.cpu_workers, 3);
  EXPECT_EQ(w.server.preprocess, Time::ms(1));
  EXPECT_EQ(w.server.postprocess, Time::us(500));
  EXPECT_EQ(w.client.serialize, Time::us(50));
  EXPECT_EQ(w.client.request_bytes, 600 * 1024);
  EXPECT_DOUBLE_EQ(w.client.link_bytes_per_s, 1.25e9);
  EXPECT_EQ(w.client.link_latency, Time::us(40));
}

TEST(LoadScenarioServer, PreferredSizesAscendWithinMaxBatch) {
  // "    batching: {max_batch: 8, preferred: [" is 41 characters: the 8 is at column 42, the 9 at 45.
  expect_error(
      load(with("batching: {max_batch: 8, max_delay: 2ms}", "batching: {max_batch: 8, preferred: [8, 4]}")),
      22, 45, "workloads[0].batching.preferred[1]", "ascending");
  expect_error(
      load(with("batching: {max_batch: 8, max_delay: 2ms}", "batching: {max_batch: 8, preferred: [9]}")), 22,
      42, "workloads[0].batching.preferred[0]", "from 1 to 8");
}

TEST(LoadScenarioServer, LibraryRequestResolvesToCopiesAndTheCurve) {
  // The v0.7 ResNet-50 INT8 entry: S(1) = 1.000135 ms (SingleStream mean), S(256) = 256 / 6035.57
  // s (Offline), input 150,528 B per image.
  const auto r =
      load(with("    request:\n      ops:\n        - h2d: 600KiB\n"
                "        - kernel: {duration: 1.2ms, sms: 40, memory_bound: 0.3}\n        - d2h: 4KiB\n",
                "    request: {model: resnet50, precision: int8, engine: tensorrt, engine_version: "
                "\"TensorRT 7.2\"}\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const WorkloadSpec& w = r->workloads[0];
  ASSERT_EQ(w.request.ops.size(), 3u);
  const auto& in = std::get<models::CopyOpSpec>(w.request.ops[0]);
  EXPECT_EQ(in.per_item_bytes, 150528);
  const auto& infer = std::get<models::KernelOpSpec>(w.request.ops[1]);
  EXPECT_EQ(models::batch_curve_at(infer.batch_curve, 1), Time::ns(1000135));
  EXPECT_EQ(models::batch_curve_at(infer.batch_curve, 256), Time::from_seconds(256 / 6035.57));
  EXPECT_NE(w.library_entry.find("TensorRT 7.2"), std::string::npos);
}

TEST(LoadScenarioServer, UnpublishedOrUnscalableLibraryRequestsAreErrors) {
  const std::string ops =
      "    request:\n      ops:\n        - h2d: 600KiB\n"
      "        - kernel: {duration: 1.2ms, sms: 40, memory_bound: 0.3}\n        - d2h: 4KiB\n";
  // Line 23, column 14: the request's mapping after "    request: ".
  expect_error(load(with(ops, "    request: {model: resnet50, precision: fp32, engine: tensorrt}\n")), 23, 14,
               "workloads[0].request", "nothing published");
  // A T4 entry on a device of another profile: one line more (gpu_profile), so the request is at 24.
  const std::string other_gpu = with("    gpus: 1\n", "    gpus: 1\n    gpu_profile: v100-16gb\n");
  expect_error(
      load(with(ops, "    request: {model: resnet50, precision: int8, engine: tensorrt}\n", other_gpu)), 24,
      14, "workloads[0].request", "no way to scale");
}

}  // namespace
}  // namespace sharesim::scenarios
