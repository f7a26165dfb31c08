// A non-owning reference to a callable, for visitor arguments: unlike std::function it never allocates, so a
// lambda capturing several locals costs nothing to pass (as llvm::function_ref or absl::FunctionRef).
#pragma once

#include <type_traits>
#include <utility>

namespace openpal {

template <typename Signature>
class FunctionRef;

// Lifetime: refers to the callable it was made from, which must outlive it: pass it as an argument, never keep it.
template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef> &&
                                                    std::is_invocable_r_v<R, F&, Args...>>>
  FunctionRef(F&& f)  // NOLINT(google-explicit-constructor): made implicitly from a lambda at a call
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

}  // namespace openpal
