#include "sharesim/sim/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sharesim::sim {
namespace {

namespace fs = std::filesystem;

Error system_error(const std::string& path, const std::string& what, int error_number) {
  return Error{.file = path, .message = what + ": " + std::strerror(error_number)};
}

// How a target path is written (atomic_file.h).
enum class WriteMode { kReplace, kInPlace };

Result<WriteMode> write_mode(const std::string& path) {
  if (path.empty()) return Error{.message = "expected a file name, found an empty path"};
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return WriteMode::kReplace;  // absent (or unreachable: fails later)
  if (S_ISREG(info.st_mode)) return WriteMode::kReplace;
  if (S_ISDIR(info.st_mode)) return Error{.file = path, .message = "is a folder, expected a file name"};
  return WriteMode::kInPlace;  // a device, a FIFO, a socket or a symlink: never replace it
}

// Writes all of content to fd; false with errno set on failure (ENOSPC on a full disk or device).
bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Status create_parent_folders(const std::string& path) {
  const fs::path target(path);
  if (!target.has_parent_path()) return Ok{};
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Error{.file = path, .message = "cannot create folder: " + ec.message()};
  return Ok{};
}

// Writes content to a new temporary file beside path; its name goes to temp.
Status write_temporary(const std::string& path, std::string_view content, std::string& temp) {
  if (auto made = create_parent_folders(path); !made) return made;
  temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    const int error_number = errno;
    temp.clear();
    return system_error(path, "cannot create a temporary file beside it", error_number);
  }
  const bool written = write_all(fd, content) && ::fsync(fd) == 0;
  const int error_number = errno;
  if (::close(fd) != 0 && written) return system_error(path, "cannot write", errno);
  if (!written) return system_error(path, "cannot write", error_number);
  ::fchmodat(AT_FDCWD, temp.c_str(), 0644, 0);
  return Ok{};
}

// Writes through the path (a device, a FIFO, a symlink's target). No fsync: devices and pipes
// refuse it, and there is nothing to make durable before a rename.
Status write_in_place(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0644);
  if (fd < 0) return system_error(path, "cannot open for writing", errno);
  const bool written = write_all(fd, content);
  const int error_number = errno;
  if (::close(fd) != 0 && written) return system_error(path, "cannot write", errno);
  if (!written) return system_error(path, "cannot write", error_number);
  return Ok{};
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view content) {
  const FileToWrite file{.path = path, .content = content};
  return write_files_together(std::span(&file, 1));
}

Status write_files_together(std::span<const FileToWrite> files) {
  std::vector<WriteMode> modes;
  for (const FileToWrite& f : files) {
    auto mode = write_mode(f.path);
    if (!mode) return mode.error();
    modes.push_back(*mode);
  }
  // Temporary files still to rename, removed again if anything fails before the renames.
  std::vector<std::string> temps(files.size());
  auto fail = [&temps](Error error) {
    for (const std::string& temp : temps) {
      if (!temp.empty()) std::remove(temp.c_str());
    }
    return error;
  };
  for (size_t i = 0; i < files.size(); ++i) {
    if (modes[i] != WriteMode::kReplace) continue;
    if (auto written = write_temporary(files[i].path, files[i].content, temps[i]); !written)
      return fail(written.error());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (modes[i] != WriteMode::kInPlace) continue;
    if (auto written = write_in_place(files[i].path, files[i].content); !written)
      return fail(written.error());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (temps[i].empty()) continue;
    if (std::rename(temps[i].c_str(), files[i].path.c_str()) != 0)
      return fail(system_error(files[i].path, "cannot rename the temporary file into place", errno));
    temps[i].clear();
  }
  return Ok{};
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat info_a {
  }, info_b{};
  if (::stat(a.c_str(), &info_a) == 0 && ::stat(b.c_str(), &info_b) == 0)
    return info_a.st_dev == info_b.st_dev && info_a.st_ino == info_b.st_ino;
  std::error_code ec_a, ec_b;
  const fs::path normal_a = fs::weakly_canonical(fs::absolute(a, ec_a), ec_a);
  const fs::path normal_b = fs::weakly_canonical(fs::absolute(b, ec_b), ec_b);
  if (ec_a || ec_b) return fs::path(a).lexically_normal() == fs::path(b).lexically_normal();
  return normal_a == normal_b;
}

}  // namespace sharesim::sim
