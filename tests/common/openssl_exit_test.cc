// client::SkipOpenSslCleanupAtExit(): OpenSSL's global state must outlive the exit handlers, since
// gRPC's unjoined threads may still use it then. Each case runs in a child process (a death test)
// that registers a probe with atexit() before OpenSSL initialises, so the probe runs after
// OpenSSL's own handler would have: the probe then asks OpenSSL to initialise again, which it
// refuses (returns 0) once its cleanup has run.
#include <unistd.h>

#include <cstdlib>

#include "common/client/channel.h"
#include "gtest/gtest.h"
#include "openssl/crypto.h"

namespace luban::client {
namespace {

constexpr int kOpenSslAlive = 0;
constexpr int kOpenSslCleanedUp = 3;

void ProbeOpenSslAtExit() {
  _exit(OPENSSL_init_crypto(0, nullptr) == 1 ? kOpenSslAlive : kOpenSslCleanedUp);
}

// What a process does from its first line to its exit, with or without the call under test; the
// initialisation is the one gRPC makes before its first TLS handshake.
[[noreturn]] void RunProcess(bool skip_cleanup) {
  if (std::atexit(ProbeOpenSslAtExit) != 0) _exit(1);
  if (skip_cleanup) SkipOpenSslCleanupAtExit();
  if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_ADD_ALL_CIPHERS |
                              OPENSSL_INIT_ADD_ALL_DIGESTS,
                          nullptr) != 1) {
    _exit(2);
  }
  std::exit(0);
}

class OpenSslExitTest : public ::testing::Test {
 protected:
  // A fresh process per case: OpenSSL's initialisation is once per process.
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(OpenSslExitTest, AfterTheSkipOpenSslIsStillUpWhenTheLastExitHandlerRuns) {
  EXPECT_EXIT(RunProcess(/*skip_cleanup=*/true), ::testing::ExitedWithCode(kOpenSslAlive), "");
}

// The probe's control: without the call, OpenSSL frees its state in an exit handler, and the
// probe sees it.
TEST_F(OpenSslExitTest, WithoutTheSkipOpenSslIsCleanedUpByThen) {
  EXPECT_EXIT(RunProcess(/*skip_cleanup=*/false), ::testing::ExitedWithCode(kOpenSslCleanedUp), "");
}

}  // namespace
}  // namespace luban::client
