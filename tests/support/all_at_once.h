// The shape of every race test: n calls released together, each on its own thread.
#ifndef LUBAN_TESTS_SUPPORT_ALL_AT_ONCE_H_
#define LUBAN_TESTS_SUPPORT_ALL_AT_ONCE_H_

#include <latch>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"

namespace luban::testing {

// Runs body(0), ..., body(n - 1) on n threads that start together (none begins before all are
// ready), and returns when every one has ended.
inline void RunAllAtOnce(int n, absl::FunctionRef<void(int)> body) {
  std::latch ready(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&ready, body, i] {
      ready.arrive_and_wait();
      body(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_ALL_AT_ONCE_H_
