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
  return write_files_together(files, {});
}

namespace {

// A folder's new content, written beside it, and where the old one went after the swap.
struct FolderSwap {
  std::string target;  // the folder (a symlink resolved)
  std::string fresh;   // the new content (temporary name until swapped)
  std::string old;     // the old content after the swap (temporary name), "" when there was none
  bool swapped = false;
};

// Writes `folder`'s files into a new temporary folder beside it.
Status write_temporary_folder(const FolderToWrite& folder, FolderSwap& swap) {
  std::error_code ec;
  swap.target = folder.path;
  if (fs::is_symlink(folder.path, ec)) {
    swap.target = fs::weakly_canonical(folder.path, ec).string();
    if (ec) return Error{.file = folder.path, .message = "cannot resolve the link: " + ec.message()};
  }
  if (fs::exists(swap.target, ec) && !fs::is_directory(swap.target, ec))
    return Error{.file = folder.path, .message = "is not a folder; expected a folder this command replaces"};
  if (folder.files.empty()) return Ok{};
  if (auto made = create_parent_folders(swap.target); !made) return made;
  std::string temp = swap.target + ".tmp-XXXXXX";
  if (::mkdtemp(temp.data()) == nullptr)
    return system_error(folder.path, "cannot create a temporary folder beside it", errno);
  swap.fresh = temp;
  ::chmod(temp.c_str(), 0755);
  for (const FileToWrite& f : folder.files) {
    const std::string path = temp + "/" + f.path;
    if (auto made = create_parent_folders(path); !made) return made;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0644);
    if (fd < 0) return system_error(folder.path + "/" + f.path, "cannot create", errno);
    const bool written = write_all(fd, f.content) && ::fsync(fd) == 0;
    const int error_number = errno;
    if (::close(fd) != 0 && written) return system_error(folder.path + "/" + f.path, "cannot write", errno);
    if (!written) return system_error(folder.path + "/" + f.path, "cannot write", error_number);
  }
  return Ok{};
}

// Renames `target` to a new temporary name beside it (TARGET<suffix>XXXXXX); "" on failure (errno set).
std::string move_away(const std::string& target, const char* suffix) {
  std::string away = target + suffix + "XXXXXX";
  if (::mkdtemp(away.data()) == nullptr) return "";
  if (std::rename(target.c_str(), away.c_str()) != 0) {
    const int error_number = errno;
    ::rmdir(away.c_str());
    errno = error_number;
    return "";
  }
  return away;
}

// Puts the new content in place: one exchange when the old folder exists (the old content then
// sits at the temporary name), or a rename. Without RENAME_EXCHANGE (EINVAL, ENOSYS: some file
// systems), the old folder is renamed away first and put back if the second rename fails.
Status swap_folder(FolderSwap& swap) {
  std::error_code ec;
  const bool had_old = fs::exists(swap.target, ec);
  if (swap.fresh.empty()) {  // no files: the folder goes
    if (!had_old) return Ok{};
    swap.old = move_away(swap.target, ".old-");
    if (swap.old.empty()) return system_error(swap.target, "cannot remove the earlier folder", errno);
    swap.swapped = true;
    return Ok{};
  }
  if (!had_old) {
    if (std::rename(swap.fresh.c_str(), swap.target.c_str()) != 0)
      return system_error(swap.target, "cannot rename the temporary folder into place", errno);
    swap.fresh.clear();
    swap.swapped = true;
    return Ok{};
  }
  if (::renameat2(AT_FDCWD, swap.fresh.c_str(), AT_FDCWD, swap.target.c_str(), RENAME_EXCHANGE) == 0) {
    swap.old = swap.fresh;
    swap.fresh.clear();
    swap.swapped = true;
    return Ok{};
  }
  if (errno != EINVAL && errno != ENOSYS)
    return system_error(swap.target, "cannot swap the temporary folder into place", errno);
  const std::string away = move_away(swap.target, ".old-");
  if (away.empty()) return system_error(swap.target, "cannot move the earlier folder away", errno);
  if (std::rename(swap.fresh.c_str(), swap.target.c_str()) != 0) {
    const int error_number = errno;
    std::rename(away.c_str(), swap.target.c_str());
    return system_error(swap.target, "cannot rename the temporary folder into place", error_number);
  }
  swap.old = away;
  swap.fresh.clear();
  swap.swapped = true;
  return Ok{};
}

// Puts a swapped folder's old content back (a later step of the unit failed); the new content
// goes to a temporary name, removed afterwards.
void unswap_folder(FolderSwap& swap) {
  if (!swap.swapped) return;
  swap.swapped = false;
  std::error_code ec;
  if (fs::exists(swap.target, ec)) {
    swap.fresh = move_away(swap.target, ".new-");
    if (swap.fresh.empty()) return;
  }
  if (!swap.old.empty() && std::rename(swap.old.c_str(), swap.target.c_str()) == 0) swap.old.clear();
}

}  // namespace

Status write_files_together(std::span<const FileToWrite> files, std::span<const FolderToWrite> folders) {
  std::vector<FolderSwap> swaps(folders.size());
  auto remove_folders = [&swaps] {
    std::error_code ec;
    for (FolderSwap& swap : swaps) {
      if (!swap.fresh.empty()) fs::remove_all(swap.fresh, ec);
      if (!swap.old.empty()) fs::remove_all(swap.old, ec);
      // A `.old` name made for a swap that then failed is an empty folder: remove_all handles it.
    }
  };
  for (size_t i = 0; i < folders.size(); ++i) {
    if (auto written = write_temporary_folder(folders[i], swaps[i]); !written) {
      remove_folders();
      return written;
    }
  }
  std::vector<WriteMode> modes;
  for (const FileToWrite& f : files) {
    auto mode = write_mode(f.path);
    if (!mode) {
      remove_folders();
      return mode.error();
    }
    modes.push_back(*mode);
  }
  // Temporary files still to rename, removed again if anything fails before the renames.
  std::vector<std::string> temps(files.size());
  auto fail = [&temps, &swaps, &remove_folders](Error error) {
    for (const std::string& temp : temps) {
      if (!temp.empty()) std::remove(temp.c_str());
    }
    for (FolderSwap& swap : swaps) unswap_folder(swap);
    remove_folders();
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
  for (FolderSwap& swap : swaps) {
    if (auto swapped = swap_folder(swap); !swapped) return fail(swapped.error());
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (temps[i].empty()) continue;
    if (std::rename(temps[i].c_str(), files[i].path.c_str()) != 0)
      return fail(system_error(files[i].path, "cannot rename the temporary file into place", errno));
    temps[i].clear();
  }
  remove_folders();  // the old contents, now at their temporary names
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
