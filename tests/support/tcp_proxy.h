// A loopback TCP proxy for fault injection in tests (no tc/netem needed).
//
//   auto proxy = TcpProxy::Start("127.0.0.1", db_port);   // listens on 127.0.0.1:<free port>
//   config.port = (*proxy)->port();                        // point the client at the proxy
//   (*proxy)->Block();    // every open connection is reset; new ones are accepted and reset
//   (*proxy)->Unblock();  // new connections are forwarded again
//
// One thread runs a poll() loop over the listening socket, a wake-up pipe and every connection
// pair, forwarding bytes both ways with bounded buffers (half-closes are passed on). Block() and
// Unblock() return once the loop has applied them, so a test can rely on their effect at once.
// While blocked, connections are accepted and closed with a reset: a client sees the connection
// drop (MySQL error 2013) rather than hang. The target should be local: connecting to it runs
// in the loop without blocking it, but a target that never answers holds a client until its own
// timeout.
#ifndef LUBAN_TESTS_SUPPORT_TCP_PROXY_H_
#define LUBAN_TESTS_SUPPORT_TCP_PROXY_H_

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace luban::testing {

class TcpProxy {
 public:
  // Resolves `target_host` (numeric or a name), binds 127.0.0.1:0 and starts forwarding.
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(const std::string& target_host,
                                                         int target_port);
  // Stops the loop and closes every socket.
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // The loopback port the proxy listens on.
  int port() const { return port_; }

  // Resets every open connection and every new one until Unblock(). Returns once applied.
  void Block();
  // Forwards new connections again. Returns once applied.
  void Unblock();

  // While `drop`, what the target sends is read and thrown away (the client's requests still
  // reach it): a response lost after the server did the work. Returns once applied.
  void DropReplies(bool drop);
  // Bytes thrown away by DropReplies so far (as of the loop's latest command).
  int64_t dropped_reply_bytes() const;

  // While `hold`, what the target sends is kept back (and, once the proxy's buffer is full, left
  // unread), then delivered when the hold ends: a peer slow to answer, a TLS handshake included.
  // Returns once applied.
  void HoldReplies(bool hold);

  // The next `count` times a client sends bytes containing `marker` right after bytes that
  // contained `after` (the connection's previous read; "" matches any), its connection is reset,
  // both sides, instead of passing them on: a request lost with its connection before the target
  // saw it. E.g. marker "\x03" "COMMIT" (a MySQL COM_QUERY COMMIT) after the last statement of a
  // write. Returns once applied.
  void CutRequests(std::string marker, int count, std::string after = "");
  // Connections cut by CutRequests so far.
  int64_t cut_requests() const;

  // Connections accepted and forwarded so far (not counting those refused while blocked).
  int64_t forwarded_connections() const;
  // Connection pairs open right now.
  int open_connections() const;

 private:
  struct Pair;

  TcpProxy() = default;
  // Sets the wanted state and waits until the loop has applied it.
  void Command(bool blocked, bool stop);
  void Loop();

  int listen_fd_ = -1;
  int wake_read_fd_ = -1;
  int wake_write_fd_ = -1;
  int port_ = 0;
  sockaddr_storage target_{};
  socklen_t target_len_ = 0;
  std::thread thread_;

  mutable absl::Mutex mu_;
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t requested_ ABSL_GUARDED_BY(mu_) = 0;  // generation of the latest command
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;    // generation the loop has applied
  int64_t forwarded_ ABSL_GUARDED_BY(mu_) = 0;
  bool drop_replies_ ABSL_GUARDED_BY(mu_) = false;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool hold_replies_ ABSL_GUARDED_BY(mu_) = false;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  std::string cut_marker_ ABSL_GUARDED_BY(mu_);
  std::string cut_after_ ABSL_GUARDED_BY(mu_);
  int cuts_left_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t cuts_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_TCP_PROXY_H_
