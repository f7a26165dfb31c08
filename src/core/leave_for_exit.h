// Objects deliberately left for the process exit to reclaim, marked so that LeakSanitizer does not report them.
#pragma once

#include <memory>

#if defined(__SANITIZE_ADDRESS__)
#define OPENPAL_LEAK_CHECKER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OPENPAL_LEAK_CHECKER 1
#endif
#endif
#ifdef OPENPAL_LEAK_CHECKER
#include <sanitizer/lsan_interface.h>
#endif

namespace openpal {

// Releases `object` without destroying it: freeing millions of small objects one by one only delays an exit that
// reclaims them at once. Under ASan (OPENPAL_SANITIZE, docs/fuzzing.md) the object, and all it reaches, is excluded
// from the leak report, so that the report keeps meaning "lost by mistake".
template <typename T>
void LeaveForExit(std::unique_ptr<T> object) {
  T* raw = object.release();
#ifdef OPENPAL_LEAK_CHECKER
  if (raw != nullptr) __lsan_ignore_object(raw);
#endif
  (void)raw;
}

}  // namespace openpal
