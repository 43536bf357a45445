// Writing a whole output file (merged results, summary.csv, report.md, plots) so that readers see
// either the old file or the complete new one: write a temporary beside it, fsync, rename(2).
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

#include <flipside/core/error.hpp>

namespace flipside {

inline void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  auto fail = [&](const char* what, int e) {
    throw error(path.string() + ": " + what + ": " + std::strerror(e));
  };
  if (fd < 0) fail("cannot create", errno);
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ::ssize_t w = ::write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int e = w < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write", e);
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("cannot flush to disk", e);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename into place", e);
  }
}

}  // namespace flipside
