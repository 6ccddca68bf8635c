#include "sharesim/sim/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace sharesim::sim {

Status write_file_atomically(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& what) {
    return Error{.file = path, .message = what + ": " + std::strerror(errno)};
  };
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{.file = path, .message = "cannot create folder: " + ec.message()};
  }
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return fail("cannot create a temporary file beside it");
  const auto close_file = [](std::FILE* f) { std::fclose(f); };
  std::unique_ptr<std::FILE, decltype(close_file)> file(fdopen(fd, "wb"), close_file);
  if (!file) {
    ::close(fd);
    std::remove(temp.c_str());
    return fail("cannot open the temporary file");
  }
  const bool written = std::fwrite(content.data(), 1, content.size(), file.get()) == content.size() &&
                       std::fflush(file.get()) == 0 && fsync(fd) == 0;
  file.reset();
  if (!written) {
    std::remove(temp.c_str());
    return fail("cannot write");
  }
  ::chmod(temp.c_str(), 0644);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return fail("cannot rename the temporary file into place");
  }
  return Ok{};
}

}  // namespace sharesim::sim
