// `sharesim models`: the model library (models/model_library.h), every entry with its source,
// precision, engine version, measured points and what is an estimate.
#include <cstdio>
#include <string>

#include "commands.h"
#include "options.h"
#include "sharesim/models/model_library.h"

namespace sharesim::cli {

int run_models_command(const Args& args) {
  po::options_description options("models options");
  options.add_options()("brief",
                        "one line per entry (model, precision, engine, version, S(1) and the largest batch)");
  po::positional_options_description positional;
  po::variables_map vm;
  if (auto code = parse_options("models", "[--brief]", options, positional, args, vm)) return *code;
  const bool brief = vm.count("brief") > 0;
  std::printf("model library: use as  request: {model: M, precision: P, engine: E[, engine_version: V]}\n\n");
  for (const models::ModelLibraryEntry& e : models::model_library()) {
    const models::LibraryPoint& last = e.points.back();
    std::printf("%s %s %s  [%s, on %s, scaling: %s]\n", e.model.c_str(), e.precision.c_str(),
                e.engine.c_str(), e.engine_version.c_str(), e.gpu.c_str(), e.scaling.c_str());
    if (brief) {
      std::printf("  S(%g) = %.3f ms ... S(%g) = %.3f ms\n", e.points.front().point.batch,
                  e.points.front().point.time.seconds() * 1e3, last.point.batch,
                  last.point.time.seconds() * 1e3);
      continue;
    }
    for (const models::LibraryPoint& p : e.points) {
      std::printf("  S(%g) = %.6f ms  %s\n      source: %s\n", p.point.batch, p.point.time.seconds() * 1e3,
                  p.what.c_str(), p.source.c_str());
    }
    std::printf("  copies per item: in %lld B, out %lld B (%s)\n",
                static_cast<long long>(e.input_bytes_per_item),
                static_cast<long long>(e.output_bytes_per_item), e.bytes_source.c_str());
    std::printf("  estimates: %s\n\n", e.estimates.c_str());
  }
  return 0;
}

}  // namespace sharesim::cli
