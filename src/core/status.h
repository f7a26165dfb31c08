// Errors as values: a Status says what went wrong (one code of a closed set), where, and what was expected;
// Result<T> carries a value or one.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace openpal {

// The closed set of failure kinds, as LevelDB's status.h has. Callers branch on these; people read the message.
// A code says what kind of failure it is, never how a protocol spells it: the HTTP surfaces turn codes into ARM
// error codes in one table (src/api/arm_errors.cc), and refine a code where the wire must say more (`detail`).
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,     // what the caller gave is malformed or out of range: a flag, a parameter, a request
  kCorruption,          // an input's content breaks its format: a file, a reply, a store's tables
  kNotFound,            // what was named does not exist: a file, a run, a principal
  kAlreadyExists,       // what was to be created exists: a link, a snapshot folder
  kFailedPrecondition,  // the state does not allow it: a store too old or too new, no open link, an older snapshot
  kUnauthenticated,     // no credentials, or they were refused or could not be verified
  kPermissionDenied,    // authenticated, and not allowed
  kResourceExhausted,   // a limit was reached: rows, bytes, connections
  kUnavailable,         // a service could not be reached or kept failing: retrying later may succeed
  kBusy,                // the store's write lock is held by another process: retry shortly
  kIoError,             // reading or writing a file, socket or process failed
  kNotSupported,        // a valid request this implementation does not do
  kInternal,            // a broken invariant: a bug
  kStopped,             // a visitor asked to stop early (not a failure of the callee)
};

// The code's name as logs and JSON summaries print it ("InvalidArgument").
std::string_view StatusCodeName(StatusCode code);
inline std::ostream& operator<<(std::ostream& out, StatusCode code) { return out << StatusCodeName(code); }

// A failure with context: `code` (above), `where` names the place (file:line, JSON path, field), `message` says
// what is wrong and what was expected. `detail` is a refinement of the code that only the HTTP edge defines and
// reads (api::ArmCode; 0 = none): below the edge it is always 0.
class Status {
 public:
  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message, std::string where = {}) {
    Status s;
    s.code_ = code == StatusCode::kOk ? StatusCode::kInternal : code;  // an error is never OK
    s.message_ = std::move(message);
    s.where_ = std::move(where);
    return s;
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  uint16_t detail() const { return detail_; }
  const std::string& message() const { return message_; }
  const std::string& where() const { return where_; }

  // Returns a copy whose location is `outer` prefixed to the current one ("file.json: $[3].scope").
  Status WithContext(const std::string& outer) const {
    Status s = *this;
    s.where_ = where_.empty() ? outer : outer + ": " + where_;
    return s;
  }

  // Returns a copy with the edge's refinement `detail` (see above).
  Status WithDetail(uint16_t detail) const {
    Status s = *this;
    s.detail_ = detail;
    return s;
  }

  // "where: message" (or just the message), for people.
  std::string ToString() const { return ok() ? "OK" : (where_.empty() ? message_ : where_ + ": " + message_); }

 private:
  StatusCode code_ = StatusCode::kOk;
  uint16_t detail_ = 0;
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
