// Access to ../shared, the reference data made by independent implementations.
//
// A test that needs it calls FLIPSIDE_SHARED_OR_SKIP(path, "golden/hf/llama"). When the data is
// absent the test stops and is reported as SKIPPED by ctest (exit code 77, see main.cpp) with a
// message naming the missing path — never silently passed. Under CI (environment variable CI
// set) absence is a failure, so a wrong path cannot turn the conformance suite into skips.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

namespace flipside::test {

// The shared directory: $FLIPSIDE_SHARED_DIR if set, else the CMake cache value baked in.
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("FLIPSIDE_SHARED_DIR"); env && *env) return env;
  return FLIPSIDE_SHARED_DIR_DEFAULT;
}

inline bool running_under_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "0" && std::string(ci) != "false";
}

// Set when a test skipped for missing data; main.cpp turns it into ctest's skip code.
inline int& skipped_count() {
  static int n = 0;
  return n;
}

inline void note_skip(const std::string& why) {
  ++skipped_count();
  WARN("SKIPPED: " << why);
}

}  // namespace flipside::test

// Binds `var` (a std::filesystem::path) to shared_dir()/rel, or skips (fails under CI) and
// returns from the test case when it does not exist.
#define FLIPSIDE_SHARED_OR_SKIP(var, rel)                                           \
  const std::filesystem::path var = ::flipside::test::shared_dir() / (rel);         \
  if (!std::filesystem::exists(var)) {                                              \
    if (::flipside::test::running_under_ci()) {                                     \
      FAIL("reference data missing under CI: "                                      \
           << var.string() << " (set FLIPSIDE_SHARED_DIR or check out ../shared)"); \
    }                                                                               \
    ::flipside::test::note_skip("reference data not found: " + var.string() +       \
                                " (set FLIPSIDE_SHARED_DIR to run this test)");     \
    return;                                                                         \
  }
