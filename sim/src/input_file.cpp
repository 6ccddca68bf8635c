#include "sharesim/sim/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sharesim::sim {

Result<std::string> read_input_file(const std::string& path, const std::string& what, int64_t max_bytes) {
  auto fail = [&](const std::string& message) { return Error{.file = path, .message = message}; };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return fail("cannot open the file (" + std::string(std::strerror(errno)) + "); expected " + what);
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return fail("is a folder; expected " + what);
  }
  const auto limit_text = [&] { return std::to_string(max_bytes >> 20) + " MiB"; };
  if (S_ISREG(info.st_mode) && info.st_size > max_bytes) {
    ::close(fd);
    return fail("is larger than " + limit_text() + ", the limit for " + what);
  }
  // Devices and pipes have no size to check first: read until the limit is passed.
  std::string text;
  if (S_ISREG(info.st_mode)) text.reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error_number = errno;
      ::close(fd);
      return fail("cannot read the file (" + std::string(std::strerror(error_number)) + ")");
    }
    if (n == 0) break;
    if (static_cast<int64_t>(text.size()) + n > max_bytes) {
      ::close(fd);
      return fail("is larger than " + limit_text() + ", the limit for " + what);
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace sharesim::sim
