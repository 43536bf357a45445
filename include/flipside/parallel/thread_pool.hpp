// A small fork-join thread pool for kernels that split work over rows or heads.
//
// Determinism contract: parallel_for hands each index range to exactly one thread and kernels
// compute every output element from its inputs alone, in a fixed order that does not depend on
// the split — so results are bitwise identical for any thread count. The pool never reduces
// across threads on the caller's behalf; a kernel that needs a reduction does it in a fixed order
// after the join.
//
// Workers spin briefly before sleeping: decode runs hundreds of short parallel regions per token,
// and a condition-variable wake-up (tens of µs) on each would cost more than the work.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace flipside {

class thread_pool {
 public:
  // n_threads counts the calling thread; 0 means one per hardware thread.
  explicit thread_pool(std::size_t n_threads = 0) {
    if (n_threads == 0) n_threads = std::max(1u, std::thread::hardware_concurrency());
    workers_.reserve(n_threads - 1);
    for (std::size_t t = 1; t < n_threads; ++t)
      workers_.emplace_back([this, t] { worker_loop(t); });
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  ~thread_pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  // Threads taking part in a parallel region, the caller included.
  std::size_t size() const noexcept { return workers_.size() + 1; }

  // Calls fn(thread_index) once on each of size() threads and waits for all of them. One region
  // at a time: a pool is driven by one thread (a region started inside a region runs serially).
  // The first
  // exception thrown by any call is rethrown here after every thread has finished.
  template <class F>
  void run(F&& fn) {
    if (workers_.empty() || inside_region()) {
      for (std::size_t t = 0; t < size(); ++t) fn(t);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    job_ = [](void* ctx, std::size_t t) { (*static_cast<Fn*>(ctx))(t); };
    job_ctx_ = const_cast<void*>(static_cast<const void*>(&fn));
    error_ = nullptr;
    pending_.store(workers_.size(), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    execute(0);
    for (unsigned spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin > spin_limit) std::this_thread::yield();
    }
    if (error_) std::rethrow_exception(error_);
  }

  // Splits [0, n) into size() contiguous chunks (the first n % size() one element longer) and
  // calls fn(begin, end) for each non-empty chunk on its own thread.
  template <class F>
  void parallel_for(std::size_t n, F&& fn) {
    const std::size_t threads = size();
    run([&](std::size_t t) {
      const index_range c = chunk(n, threads, t);
      if (c.begin < c.end) fn(c.begin, c.end);
    });
  }

  struct index_range {
    std::size_t begin, end;
  };
  // Thread t's chunk of parallel_for(n, ·) on a pool of `threads` threads (empty when t has none):
  // for a region that splits several ranges the way parallel_for splits one.
  static index_range chunk(std::size_t n, std::size_t threads, std::size_t t) noexcept {
    const std::size_t parts = std::min(threads, std::max<std::size_t>(n, 1));
    if (t >= parts) return {0, 0};
    const std::size_t base = n / parts, extra = n % parts;
    const std::size_t begin = t * base + std::min(t, extra);
    return {begin, begin + base + (t < extra ? 1 : 0)};
  }

 private:
  static constexpr unsigned spin_limit = 1u << 14;

  static bool& inside_region() noexcept {
    thread_local bool inside = false;
    return inside;
  }

  void execute(std::size_t t) noexcept {
    inside_region() = true;
    try {
      job_(job_ctx_, t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    inside_region() = false;
  }

  void worker_loop(std::size_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g = generation_.load(std::memory_order_acquire);
      for (unsigned spin = 0; g == seen && spin < spin_limit; ++spin)
        g = generation_.load(std::memory_order_acquire);
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_) return;
      execute(t);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};
  bool stop_ = false;
  void (*job_)(void*, std::size_t) = nullptr;
  void* job_ctx_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace flipside
