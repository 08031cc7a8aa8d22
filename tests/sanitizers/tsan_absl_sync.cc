// ThreadSanitizer builds only (cmake/Sanitizers.cmake links every binary with this library and
// -Wl,--wrap=<each symbol below>).
//
// Debian's Abseil is not instrumented, so TSan does not see absl::Mutex, CondVar, Notification,
// Barrier or BlockingCounter synchronise anything and reports every access they guard as a race.
// These wrappers tell it: each lock (and each return from a wait) acquires the object, each unlock
// (and each notification) releases it. Calls from inside the uninstrumented libraries are not
// wrapped; their memory accesses are invisible to TSan anyway.
#include <sanitizer/tsan_interface.h>

#include "absl/synchronization/barrier.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

void Acquire(const void* object) { __tsan_acquire(const_cast<void*>(object)); }
void Release(const void* object) { __tsan_release(const_cast<void*>(object)); }

// HasBeenNotified() is inline: an instrumented acquire load of the flag that follows the
// Notification's mutex, which Notify() (uninstrumented) stores. Releasing the flag's address as
// well gives that load something to synchronise with.
static_assert(sizeof(absl::Notification) == sizeof(absl::Mutex) + sizeof(std::atomic<bool>) + 7);
const void* NotifiedFlag(const absl::Notification* n) {
  return reinterpret_cast<const char*>(n) + sizeof(absl::Mutex);
}

// absl evaluates a Condition with the mutex held, inside its own code, in the waiting thread or
// in the one unlocking: the evaluation must acquire the mutex for TSan too (and release it, so a
// later writer is ordered after the read).
struct AnnotatedCondition {
  const absl::Condition* condition;
  absl::Mutex* mu;
};
bool EvalAnnotated(AnnotatedCondition* c) {
  Acquire(c->mu);
  const bool result = c->condition->Eval();
  Release(c->mu);
  return result;
}

}  // namespace

// The mangled names are those of Debian 12's Abseil 20220623 (inline namespace debian3); a link
// error names any symbol that changed.
extern "C" {

// absl::Mutex
void __real__ZN4absl7debian35Mutex4LockEv(absl::Mutex* mu);
void __wrap__ZN4absl7debian35Mutex4LockEv(absl::Mutex* mu) {
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  Acquire(mu);
}
void __real__ZN4absl7debian35Mutex10ReaderLockEv(absl::Mutex* mu);
void __wrap__ZN4absl7debian35Mutex10ReaderLockEv(absl::Mutex* mu) {
  __real__ZN4absl7debian35Mutex10ReaderLockEv(mu);
  Acquire(mu);
}
bool __real__ZN4absl7debian35Mutex7TryLockEv(absl::Mutex* mu);
bool __wrap__ZN4absl7debian35Mutex7TryLockEv(absl::Mutex* mu) {
  const bool locked = __real__ZN4absl7debian35Mutex7TryLockEv(mu);
  if (locked) Acquire(mu);
  return locked;
}
bool __real__ZN4absl7debian35Mutex13ReaderTryLockEv(absl::Mutex* mu);
bool __wrap__ZN4absl7debian35Mutex13ReaderTryLockEv(absl::Mutex* mu) {
  const bool locked = __real__ZN4absl7debian35Mutex13ReaderTryLockEv(mu);
  if (locked) Acquire(mu);
  return locked;
}
void __real__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* mu);
void __wrap__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* mu) {
  Release(mu);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
}
void __real__ZN4absl7debian35Mutex12ReaderUnlockEv(absl::Mutex* mu);
void __wrap__ZN4absl7debian35Mutex12ReaderUnlockEv(absl::Mutex* mu) {
  Release(mu);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(mu);
}
void __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(absl::Mutex* mu,
                                                              const absl::Condition& cond);
void __wrap__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(absl::Mutex* mu,
                                                              const absl::Condition& cond) {
  AnnotatedCondition annotated{&cond, mu};
  __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(
      mu, absl::Condition(&EvalAnnotated, &annotated));
  Acquire(mu);
}
bool __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline);
bool __wrap__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  AnnotatedCondition annotated{&cond, mu};
  const bool met = __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
      mu, absl::Condition(&EvalAnnotated, &annotated), deadline);
  Acquire(mu);  // held on return either way
  return met;
}
bool __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout);
bool __wrap__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  AnnotatedCondition annotated{&cond, mu};
  const bool met =
      __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
          mu, absl::Condition(&EvalAnnotated, &annotated), timeout);
  Acquire(mu);
  return met;
}
// Await*: called with the mutex held; it is released while waiting and held again on return.
void __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(absl::Mutex* mu,
                                                           const absl::Condition& cond);
void __wrap__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(absl::Mutex* mu,
                                                           const absl::Condition& cond) {
  AnnotatedCondition annotated{&cond, mu};
  Release(mu);
  __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(
      mu, absl::Condition(&EvalAnnotated, &annotated));
  Acquire(mu);
}
bool __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline);
bool __wrap__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline) {
  AnnotatedCondition annotated{&cond, mu};
  Release(mu);
  const bool met = __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(
      mu, absl::Condition(&EvalAnnotated, &annotated), deadline);
  Acquire(mu);
  return met;
}
bool __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout);
bool __wrap__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout) {
  AnnotatedCondition annotated{&cond, mu};
  Release(mu);
  const bool met = __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
      mu, absl::Condition(&EvalAnnotated, &annotated), timeout);
  Acquire(mu);
  return met;
}

// absl::CondVar: the mutex is released while waiting and held again on return.
void __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* cv, absl::Mutex* mu);
void __wrap__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* cv, absl::Mutex* mu) {
  Release(mu);
  __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(cv, mu);
  Acquire(mu);
}
bool __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar* cv,
                                                                              absl::Mutex* mu,
                                                                              absl::Time deadline);
bool __wrap__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar* cv,
                                                                              absl::Mutex* mu,
                                                                              absl::Time deadline) {
  Release(mu);
  const bool timed_out =
      __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(cv, mu, deadline);
  Acquire(mu);
  return timed_out;
}
bool __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
    absl::CondVar* cv, absl::Mutex* mu, absl::Duration timeout);
bool __wrap__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
    absl::CondVar* cv, absl::Mutex* mu, absl::Duration timeout) {
  Release(mu);
  const bool timed_out =
      __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(cv, mu, timeout);
  Acquire(mu);
  return timed_out;
}

// absl::Notification
void __real__ZN4absl7debian312Notification6NotifyEv(absl::Notification* n);
void __wrap__ZN4absl7debian312Notification6NotifyEv(absl::Notification* n) {
  Release(n);
  Release(NotifiedFlag(n));
  __real__ZN4absl7debian312Notification6NotifyEv(n);
}
void __real__ZNK4absl7debian312Notification19WaitForNotificationEv(const absl::Notification* n);
void __wrap__ZNK4absl7debian312Notification19WaitForNotificationEv(const absl::Notification* n) {
  __real__ZNK4absl7debian312Notification19WaitForNotificationEv(n);
  Acquire(n);
}
bool __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const absl::Notification* n, absl::Duration timeout);
bool __wrap__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const absl::Notification* n, absl::Duration timeout) {
  const bool notified =
      __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
          n, timeout);
  if (notified) Acquire(n);
  return notified;
}
bool __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
    const absl::Notification* n, absl::Time deadline);
bool __wrap__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
    const absl::Notification* n, absl::Time deadline) {
  const bool notified =
      __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(n,
                                                                                         deadline);
  if (notified) Acquire(n);
  return notified;
}

// absl::BlockingCounter and absl::Barrier: each arrival releases, leaving acquires everything
// released before.
bool __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(absl::BlockingCounter* c);
bool __wrap__ZN4absl7debian315BlockingCounter14DecrementCountEv(absl::BlockingCounter* c) {
  Release(c);
  return __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(c);
}
void __real__ZN4absl7debian315BlockingCounter4WaitEv(absl::BlockingCounter* c);
void __wrap__ZN4absl7debian315BlockingCounter4WaitEv(absl::BlockingCounter* c) {
  __real__ZN4absl7debian315BlockingCounter4WaitEv(c);
  Acquire(c);
}
bool __real__ZN4absl7debian37Barrier5BlockEv(absl::Barrier* b);
bool __wrap__ZN4absl7debian37Barrier5BlockEv(absl::Barrier* b) {
  Release(b);
  const bool last = __real__ZN4absl7debian37Barrier5BlockEv(b);
  Acquire(b);
  return last;
}

}  // extern "C"
