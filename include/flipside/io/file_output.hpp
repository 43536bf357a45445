// Writing a whole file atomically: the writers stream into "<path>.tmp-<pid>" and rename it over
// `path` only once everything has been written, so a failed or interrupted write never leaves a
// truncated model file behind under the final name.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <unistd.h>

#include <flipside/core/error.hpp>

namespace flipside::detail {

template <class WriteFn>
void write_file_atomically(const std::filesystem::path& path, WriteFn&& write) {
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw error(path.string() + ": cannot create " + tmp.string());
    write(out);
    out.close();
    if (!out) throw error(path.string() + ": write failed");
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw error(path.string() + ": cannot rename " + tmp.string() + ": " + ec.message());
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw;
  }
}

}  // namespace flipside::detail
