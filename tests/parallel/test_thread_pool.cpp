#include <flipside/parallel/thread_pool.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

TEST_CASE("parallel_for covers every index exactly once, in contiguous chunks") {
  for (std::size_t threads : {1, 2, 3, 7}) {
    flipside::thread_pool pool(threads);
    REQUIRE(pool.size() == threads);
    for (std::size_t n : {0, 1, 2, 5, 64, 1001}) {
      std::vector<int> hits(n, 0);
      std::atomic<int> calls{0};
      pool.parallel_for(n, [&](std::size_t b, std::size_t e) {
        REQUIRE(b < e);
        ++calls;
        for (std::size_t i = b; i < e; ++i) ++hits[i];
      });
      for (std::size_t i = 0; i < n; ++i) REQUIRE(hits[i] == 1);
      REQUIRE(static_cast<std::size_t>(calls.load()) == std::min(threads, n));
    }
  }
}

TEST_CASE("run calls every thread index once and many regions in a row complete") {
  flipside::thread_pool pool(3);
  for (int round = 0; round < 2000; ++round) {
    std::vector<int> seen(pool.size(), 0);
    pool.run([&](std::size_t t) { seen[t] += 1; });
    for (int s : seen) REQUIRE(s == 1);
  }
}

TEST_CASE("an exception in a worker reaches the caller and the pool stays usable") {
  flipside::thread_pool pool(2);
  REQUIRE_THROWS_AS(pool.run([](std::size_t t) {
    if (t == 1) throw std::runtime_error("boom");
  }),
                    std::runtime_error);
  int total = 0;
  pool.run([&](std::size_t t) {
    if (t == 0) total = 5;
  });
  REQUIRE(total == 5);
}

TEST_CASE("a region started inside a region runs serially instead of deadlocking") {
  flipside::thread_pool pool(2);
  std::atomic<int> inner{0};
  pool.run([&](std::size_t) { pool.run([&](std::size_t) { ++inner; }); });
  REQUIRE(inner.load() == 4);
}
