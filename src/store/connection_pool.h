// A pool of idle connections to one database, shared by the SQLite and PostgreSQL stores.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace openpal {

template <typename Conn>
class ConnectionPool;

// A connection borrowed from the pool; returned to it on destruction.
template <typename Conn>
class PooledConnection {
 public:
  PooledConnection(ConnectionPool<Conn>* pool, std::unique_ptr<Conn> c) : pool_(pool), c_(std::move(c)) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection() {
    if (c_) pool_->Release(std::move(c_));
  }
  Conn& operator*() { return *c_; }
  Conn* operator->() { return c_.get(); }

 private:
  ConnectionPool<Conn>* pool_;
  std::unique_ptr<Conn> c_;
};

// Idle connections to one database. Any number may be out at once; at most kMaxIdle are kept when they come back.
// `Conn` provides `static Result<std::unique_ptr<Conn>> Open(const std::string& target, bool read_only)` and
// `bool Recycle()`: whether a returned connection may be handed out again (after resetting what one use may have
// changed); false drops it, so the next caller opens a fresh one (a PostgreSQL connection lost to a restart).
template <typename Conn>
class ConnectionPool {
 public:
  // `target`: the file or URI each new connection opens; `read_only`: passed to Conn::Open.
  ConnectionPool(std::string target, bool read_only) : target_(std::move(target)), read_only_(read_only) {}

  // An idle connection, or a newly opened one.
  Result<PooledConnection<Conn>> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Conn> c = std::move(idle_.back());
        idle_.pop_back();
        return PooledConnection<Conn>(this, std::move(c));
      }
    }
    auto c = Conn::Open(target_, read_only_);
    if (!c.ok()) return c.status();
    return PooledConnection<Conn>(this, std::move(c).value());
  }

  // Takes back a connection: kept if it can be reused and fewer than kMaxIdle are idle, closed otherwise.
  void Release(std::unique_ptr<Conn> c) {
    if (!c->Recycle()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
  }

 private:
  static constexpr size_t kMaxIdle = 16;
  std::string target_;
  bool read_only_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace openpal
