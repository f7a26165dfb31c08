// A bounded thread pool that grows on demand.
#include "api/http_pool.h"

namespace openpal::api {

BlockingPool::BlockingPool(size_t max_threads) : max_threads_(max_threads == 0 ? 1 : max_threads) {}

BlockingPool::~BlockingPool() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void BlockingPool::Submit(std::function<void()> task) {
  std::lock_guard lock(mu_);
  tasks_.push_back(std::move(task));
  // Counted idle threads may already be claimed by earlier tasks still in the queue: grow while the queue is
  // longer than the idle threads, so a burst of slow tasks does not wait behind one another needlessly.
  if (tasks_.size() > idle_ && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { Work(); });
  } else {
    ready_.notify_one();
  }
}

void BlockingPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    ++idle_;
    ready_.wait(lock, [this] { return closing_ || !tasks_.empty(); });
    --idle_;
    if (tasks_.empty()) return;  // closing, and nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace openpal::api
