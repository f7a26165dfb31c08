// Errors as values: a Status says what went wrong, where, and what was expected; Result<T> carries a value or one.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace openpal {

// A failure with context. `code` is a stable machine-readable word (e.g. "BadScope", "NotFound");
// `where` names the place (file:line, JSON path, field); `message` says what is wrong and what was expected.
class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message, std::string where = {}) {
    Status s;
    s.ok_ = false;
    s.code_ = std::move(code);
    s.message_ = std::move(message);
    s.where_ = std::move(where);
    return s;
  }

  bool ok() const { return ok_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }

  // Returns a copy whose location is `outer` prefixed to the current one ("file.json: $[3].scope").
  Status WithContext(const std::string& outer) const {
    Status s = *this;
    s.where_ = where_.empty() ? outer : outer + ": " + where_;
    return s;
  }

  // "where: message" (or just the message), for people.
  std::string ToString() const { return ok_ ? "OK" : (where_.empty() ? message_ : where_ + ": " + message_); }

 private:
  bool ok_ = true;
  std::string code_;
  std::string message_;
  std::string where_;
};

// A value of T, or the Status saying why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status error) : v_(std::move(error)) {}        // NOLINT: must be an error status

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &std::get<T>(v_); }
  T* operator->() { return &std::get<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace openpal
