// The blocking pool of `pal serve`'s HTTP edge: requests whose handling may block (durable SQLite commits, report
// queries) run here, off the event-loop threads, so a slow write never stalls other connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace openpal::api {

class BlockingPool {
 public:
  // A pool of at most `max_threads` threads (at least 1), started on demand: an idle server holds none.
  explicit BlockingPool(size_t max_threads);
  // Runs every task already submitted, then joins the threads.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `task` to run on a pool thread; starts a thread when none is idle and the bound allows.
  void Submit(std::function<void()> task);

 private:
  void Work();

  const size_t max_threads_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool closing_ = false;
};

}  // namespace openpal::api
