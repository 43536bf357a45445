// A downstream program: it includes the umbrella header and uses the library through the
// flipside::flipside target only (no include paths or flags of its own).
#include <flipside/flipside.hpp>

#include <cstdio>

int main() {
  flipside::thread_pool pool(2);
  std::size_t covered = 0;
  pool.parallel_for(10, [&](std::size_t b, std::size_t e) {
    if (b == 0) covered += e - b;
  });
  std::printf("flipside %s consumer ok\n", flipside::version_string);
  return covered > 0 ? 0 : 1;
}
