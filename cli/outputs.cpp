#include "outputs.h"

#include <cstdio>
#include <filesystem>

namespace sharesim::cli {

Status check_output_folder(const std::string& flag, const std::string& folder) {
  if (folder.empty())
    return Error{.field = flag, .message = "expected an output folder, found an empty name"};
  return Ok{};
}

Status check_output_paths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  auto is_device = [](const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_character_file(path, ec);
  };
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::error_code ec;
    if (std::filesystem::is_directory(outputs[i].path, ec)) {
      return Error{
          .file = outputs[i].path, .field = outputs[i].role, .message = "is a folder, expected a file name"};
    }
    if (is_device(outputs[i].path)) continue;
    for (size_t j = 0; j < i; ++j) {
      if (sim::same_file(outputs[i].path, outputs[j].path)) {
        return Error{.file = outputs[i].path,
                     .field = outputs[i].role,
                     .message = "is the same file as " + outputs[j].role + " (" + outputs[j].path +
                                "): one would replace the other; name another file"};
      }
    }
    for (const NamedPath& input : inputs) {
      if (sim::same_file(outputs[i].path, input.path)) {
        return Error{.file = outputs[i].path,
                     .field = outputs[i].role,
                     .message = "is " + input.role + " (" + input.path +
                                "): writing it would replace an input; name another file"};
      }
    }
  }
  return Ok{};
}

int write_outputs(const std::vector<sim::FileToWrite>& files) {
  return write_outputs(files, {});
}

int write_outputs(const std::vector<sim::FileToWrite>& files,
                  const std::vector<sim::FolderToWrite>& folders) {
  if (auto written = sim::write_files_together(files, folders); !written) {
    std::fprintf(stderr, "sharesim: error: %s\n", written.error().to_string().c_str());
    return 2;
  }
  return 0;
}

}  // namespace sharesim::cli
