// The model library: every entry carries its sources and estimates, uses only Offline and
// SingleStream results (never Server or MultiStream: those judge the model), and its curves are
// the published figures.
#include "sharesim/models/model_library.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace sharesim::models {
namespace {

using sim::Time;

TEST(ModelLibrary, EveryEntrySaysWhereItComesFromAndWhatIsEstimated) {
  ASSERT_FALSE(model_library().empty());
  for (const ModelLibraryEntry& e : model_library()) {
    SCOPED_TRACE(e.model + " " + e.precision + " " + e.engine);
    EXPECT_FALSE(e.engine_version.empty());
    EXPECT_EQ(e.gpu, "t4");
    EXPECT_FALSE(e.scaling.empty());
    EXPECT_FALSE(e.estimates.empty());
    EXPECT_FALSE(e.bytes_source.empty());
    ASSERT_FALSE(e.points.empty());
    for (size_t i = 0; i < e.points.size(); ++i) {
      const LibraryPoint& p = e.points[i];
      // repository @ commit : path
      EXPECT_NE(p.source.find(" @ "), std::string::npos) << p.source;
      EXPECT_NE(p.source.find(" : "), std::string::npos) << p.source;
      EXPECT_FALSE(p.what.empty());
      if (i > 0) {
        EXPECT_GT(p.point.batch, e.points[i - 1].point.batch);
      }
    }
  }
}

TEST(ModelLibrary, NoServerOrMultiStreamResultIsAnInput) {
  for (const ModelLibraryEntry& e : model_library()) {
    for (const LibraryPoint& p : e.points) {
      EXPECT_EQ(p.source.find("/Server/"), std::string::npos) << p.source;
      EXPECT_EQ(p.source.find("/MultiStream/"), std::string::npos) << p.source;
      EXPECT_EQ(p.source.find("Online"), std::string::npos) << p.source;
    }
  }
}

TEST(ModelLibrary, ResNet50Int8IsThePublishedV07Figures) {
  // MLPerf Inference v0.7, NVIDIA T4x1_TRT: SingleStream mean 1,000,135 ns; Offline 6,035.57
  // samples/s at gpu_batch_size 256, so S(256) = 256 / 6035.57 s = 42.415 ms.
  const auto found = find_library_entries("resnet50", "int8", "tensorrt", "TensorRT 7.2");
  ASSERT_EQ(found.size(), 1u);
  const BatchCurve curve = library_curve(*found[0]);
  EXPECT_EQ(batch_curve_at(curve, 1), Time::ns(1000135));
  EXPECT_EQ(batch_curve_at(curve, 256), Time::from_seconds(256 / 6035.57));
  EXPECT_NEAR(batch_curve_at(curve, 256).seconds() * 1e3, 42.415, 0.001);
  // Without a version the newest round comes first (v1.1, TensorRT 8.0.2).
  const auto any = find_library_entries("resnet50", "int8", "tensorrt");
  ASSERT_EQ(any.size(), 2u);
  EXPECT_NE(any[0]->engine_version.find("TensorRT 8.0.2"), std::string::npos);
  EXPECT_TRUE(find_library_entries("resnet50", "fp32", "tensorrt").empty());
}

TEST(ModelLibrary, RequestIsCopyInInferCopyOutPerItem) {
  const auto found = find_library_entries("resnet50", "fp16", "onnxruntime-tensorrt");
  ASSERT_EQ(found.size(), 1u);
  const RequestSpec spec = library_request(*found[0]);
  ASSERT_EQ(spec.ops.size(), 3u);
  EXPECT_EQ(std::get<CopyOpSpec>(spec.ops[0]).per_item_bytes, 3 * 224 * 224 * 2);
  const auto& infer = std::get<KernelOpSpec>(spec.ops[1]);
  // The table's batch-8 average latency, and halfway between 8 and 16 on the line between them.
  EXPECT_EQ(batch_curve_at(infer.batch_curve, 8), Time::us(8998));
  EXPECT_EQ(batch_curve_at(infer.batch_curve, 12), Time::us((8998 + 15113) / 2) + Time::ns(500));
  EXPECT_EQ(std::get<CopyOpSpec>(spec.ops[2]).direction, CopyDirection::kDeviceToHost);
}

}  // namespace
}  // namespace sharesim::models
