// The `plan:` section reader: values, defaults, and errors with file:line:column and key path.
#include <gtest/gtest.h>

#include "sharesim/scenarios/plan_spec.h"

namespace sharesim::scenarios {
namespace {

TEST(PlanSection, ReadsEveryKey) {
  const char* yaml =
      "name: x\n"
      "plan:\n"
      "  device_options:\n"
      "    - {gpus: 1, cost: 1.0}\n"
      "    - {name: big, gpus: 2, cost: 1.6, gpu_profile: t4}\n"
      "  max_devices: 8\n"
      "  policies: [time-slicing, mps]\n"
      "  mps_percentages: [40, 20, 40]\n"
      "  replicas: {min: 1, max: 4}\n";
  auto spec = read_plan_spec_text(yaml, "s.yaml");
  ASSERT_TRUE(spec) << spec.error().to_string();
  ASSERT_TRUE(spec->has_value());
  const PlanSpec& p = **spec;
  ASSERT_EQ(p.device_options.size(), 2u);
  EXPECT_EQ(p.device_options[0].name, "1gpu");  // default name from the GPU count
  EXPECT_EQ(p.device_options[1].name, "big");
  EXPECT_EQ(p.device_options[1].gpus, 2);
  EXPECT_DOUBLE_EQ(p.device_options[1].cost, 1.6);
  EXPECT_EQ(p.max_devices, 8);
  EXPECT_FALSE(p.allows(PlanPolicy::kPassthrough));
  EXPECT_TRUE(p.allows(PlanPolicy::kMps));
  ASSERT_TRUE(p.mps_percentages.has_value());
  EXPECT_EQ(*p.mps_percentages, (std::vector<int>{20, 40}));  // sorted, duplicates dropped
  EXPECT_EQ(p.replicas.min, 1);
  EXPECT_EQ(p.replicas.max, 4);
}

TEST(PlanSection, AbsentSectionIsNullopt) {
  auto spec = read_plan_spec_text("name: x\n", "s.yaml");
  ASSERT_TRUE(spec);
  EXPECT_FALSE(spec->has_value());
}

TEST(PlanSection, DefaultsWhenOnlyOptionsGiven) {
  auto spec = read_plan_spec_text("plan:\n  device_options: [{cost: 2}]\n", "s.yaml");
  ASSERT_TRUE(spec) << spec.error().to_string();
  const PlanSpec& p = **spec;
  EXPECT_EQ(p.max_devices, 4);
  EXPECT_EQ(p.policies.size(), 3u);
  EXPECT_FALSE(p.mps_percentages.has_value());  // auto
  EXPECT_EQ(p.replicas.min, 1);
  EXPECT_EQ(p.replicas.max, 1);
}

TEST(PlanSection, UnknownKeyNamesLineColumnAndPath) {
  auto spec =
      read_plan_spec_text("name: x\nplan:\n  device_options: [{cost: 1}]\n  max_device: 3\n", "s.yaml");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().file, "s.yaml");
  EXPECT_EQ(spec.error().line, 4);
  EXPECT_EQ(spec.error().column, 3);
  EXPECT_EQ(spec.error().field, "plan.max_device");
}

TEST(PlanSection, BadValuesAreErrorsWithPaths) {
  auto gpus = read_plan_spec_text("plan:\n  device_options:\n    - {gpus: 3, cost: 1}\n", "s.yaml");
  ASSERT_FALSE(gpus);
  EXPECT_EQ(gpus.error().field, "plan.device_options[0].gpus");
  EXPECT_EQ(gpus.error().line, 3);

  auto policy = read_plan_spec_text("plan:\n  device_options: [{cost: 1}]\n  policies: [mig]\n", "s.yaml");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().field, "plan.policies[0]");

  auto pct = read_plan_spec_text("plan:\n  device_options: [{cost: 1}]\n  mps_percentages: [0]\n", "s.yaml");
  ASSERT_FALSE(pct);
  EXPECT_EQ(pct.error().field, "plan.mps_percentages[0]");

  auto replicas =
      read_plan_spec_text("plan:\n  device_options: [{cost: 1}]\n  replicas: {min: 3, max: 2}\n", "s.yaml");
  ASSERT_FALSE(replicas);
  EXPECT_EQ(replicas.error().field, "plan.replicas.max");

  auto cost = read_plan_spec_text("plan:\n  device_options: [{gpus: 1}]\n", "s.yaml");
  ASSERT_FALSE(cost);
  EXPECT_EQ(cost.error().field, "plan.device_options[0].cost");
}

}  // namespace
}  // namespace sharesim::scenarios
