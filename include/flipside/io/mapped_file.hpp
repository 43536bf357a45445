// A read-only memory mapping of a whole file (POSIX mmap), owned RAII-style.
//
// Model files are mapped rather than read so that a multi-gigabyte weight file costs no copy and
// no allocation: tensor views point straight into the mapping, and the kernel pages weights in on
// first touch. The mapping is private and read-only; it stays valid (at the same address) when the
// mapped_file is moved, so views handed out before a move remain valid. An empty file maps to
// size() == 0 and data() == nullptr. Note: if another process truncates the file while it is
// mapped, touching the lost pages raises SIGBUS — as with every mmap-based loader.
#pragma once

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <flipside/core/error.hpp>

namespace flipside {

class mapped_file {
 public:
  mapped_file() = default;

  // Maps `path`; throws flipside::error naming the path and the system's reason on failure.
  explicit mapped_file(const std::filesystem::path& path) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot open", errno);
    struct ::stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      fail("cannot stat", e);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      throw error(path_.string() + ": not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        fail("cannot map", e);
      }
      data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);  // the mapping keeps its own reference to the file
  }

  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept
      : path_(std::move(o.path_)),
        data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      path_ = std::move(o.path_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~mapped_file() { unmap(); }

  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  [[noreturn]] void fail(const char* what, int err) const {
    throw error(path_.string() + ": " + what + ": " +
                std::error_code(err, std::generic_category()).message());
  }
  void unmap() noexcept {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
  }

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace flipside
