// Appending finished cells to results.jsonl so that a kill -9 at any moment loses at most the cell
// in flight and never corrupts earlier lines:
//  - each cell is serialised in memory first and written with one write(2) on an O_APPEND
//    descriptor, then fsync(2)ed before append() returns (a torn line can only be the last one);
//  - opening for append first drops a torn tail left by an earlier crash (results_reader.hpp), so a
//    new line never glues onto half a line;
//  - an exclusive flock(2) refuses a second process writing the same file (two runs pointed at one
//    --out would interleave cells).
// POSIX only, like mapped_file.
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <flipside/core/error.hpp>
#include <flipside/eval/results_codec.hpp>
#include <flipside/eval/results_reader.hpp>

namespace flipside {

enum class results_open {
  append,     // keep intact lines (dropping a torn tail) and append: --resume
  create,     // refuse a file that exists and is not empty: a fresh run never clobbers results
  overwrite,  // start an empty file
};

class results_writer {
 public:
  results_writer(const std::filesystem::path& path, results_open mode) : path_(path) {
    const bool existed = std::filesystem::exists(path);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot open for writing", errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      close_fd();
      if (e == EWOULDBLOCK)
        throw error(path_.string() + ": another process is writing this results file");
      fail("cannot lock", e);
    }
    try {
      if (mode == results_open::overwrite) {
        truncate_to(0);
      } else if (mode == results_open::create) {
        struct ::stat st {};
        if (::fstat(fd_, &st) != 0) fail("cannot stat", errno);
        if (st.st_size != 0)
          throw error(path_.string() +
                      ": already holds results; resume it, or choose another output");
      } else {
        // Read under the lock, so no other writer can append between reading and truncating.
        recovered_ = read_results(path_);
        truncate_to(recovered_.valid_bytes);
      }
      if (!existed) sync_parent_directory();
    } catch (...) {
      close_fd();
      throw;
    }
  }

  results_writer(const results_writer&) = delete;
  results_writer& operator=(const results_writer&) = delete;
  ~results_writer() { close_fd(); }

  // What was in the file when it was opened for append (cells, and a dropped torn tail if any).
  const results_log& existing() const { return recovered_; }

  // Writes the cell's line and makes it durable before returning.
  void append(const cell_result& cell) {
    const std::string line = to_json_line(cell);
    struct ::stat st {};
    if (::fstat(fd_, &st) != 0) fail("cannot stat", errno);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ::ssize_t w = ::write(fd_, p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const int e = w < 0 ? errno : EIO;
        (void)::ftruncate(fd_, st.st_size);  // best effort: leave no torn line behind
        fail("cannot append a cell", e);
      }
      p += w;
      left -= static_cast<std::size_t>(w);
    }
    if (::fsync(fd_) != 0) fail("cannot flush to disk", errno);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  void truncate_to(std::uint64_t n) {
    if (::ftruncate(fd_, static_cast<::off_t>(n)) != 0) fail("cannot truncate", errno);
    if (::fsync(fd_) != 0) fail("cannot flush to disk", errno);
  }

  void sync_parent_directory() {
    auto dir = path_.parent_path();
    if (dir.empty()) dir = ".";
    const int d = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
    if (d >= 0) {
      (void)::fsync(d);  // makes the new file's directory entry durable; best effort
      ::close(d);
    }
  }

  [[noreturn]] void fail(const char* what, int e) const {
    throw error(path_.string() + ": " + what + ": " + std::strerror(e));
  }

  void close_fd() noexcept {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
    fd_ = -1;
  }

  std::filesystem::path path_;
  int fd_ = -1;
  results_log recovered_;
};

}  // namespace flipside
