#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace luban::testing {
namespace {

// Bytes buffered per direction of a connection before the proxy stops reading that side.
constexpr size_t kBufferLimit = 64 * 1024;

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Closes with a reset (RST), like a dropped link, and without leaving TIME_WAIT behind.
void ResetClose(int fd) {
  if (fd < 0) return;
  linger option{};
  option.l_onoff = 1;
  option.l_linger = 0;
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  close(fd);
}

// Reads what fits into `buffer`. False on a socket error; sets `eof` at the peer's end of data.
bool ReadInto(int fd, std::string& buffer, bool& eof) {
  char chunk[16 * 1024];
  while (buffer.size() < kBufferLimit) {
    const size_t room = std::min(sizeof(chunk), kBufferLimit - buffer.size());
    const ssize_t n = recv(fd, chunk, room, 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      eof = true;
      return true;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
  return true;
}

// Writes what the socket takes from the front of `buffer`. False on a socket error.
bool WriteFrom(int fd, std::string& buffer) {
  while (!buffer.empty()) {
    const ssize_t n = send(fd, buffer.data(), buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buffer.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

}  // namespace

// One proxied connection: the client's socket and ours to the target.
struct TcpProxy::Pair {
  int client = -1;
  int upstream = -1;
  bool connecting = true;  // the connect() to the target has not completed yet
  std::string to_upstream;
  std::string to_client;
  bool client_eof = false;     // the client sent FIN
  bool upstream_eof = false;   // the target sent FIN
  bool upstream_shut = false;  // FIN passed on to the target
  bool client_shut = false;    // FIN passed on to the client
  bool failed = false;         // a socket error: reset both sides
  std::string last_request;    // the latest bytes from the client without the cut marker

  bool Done() const { return failed || (upstream_shut && client_shut); }
  void Close() {
    if (failed) {
      ResetClose(client);
      ResetClose(upstream);
    } else {
      close(client);
      close(upstream);
    }
    client = upstream = -1;
  }
};

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(const std::string& target_host,
                                                          int target_port) {
  std::unique_ptr<TcpProxy> proxy(new TcpProxy());

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(target_port);
  if (const int rc = getaddrinfo(target_host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve ", target_host, ": ", gai_strerror(rc)));
  }
  std::memcpy(&proxy->target_, found->ai_addr, found->ai_addrlen);
  proxy->target_len_ = found->ai_addrlen;
  freeaddrinfo(found);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) return ErrnoError("pipe2");
  proxy->wake_read_fd_ = pipe_fds[0];
  proxy->wake_write_fd_ = pipe_fds[1];

  proxy->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (proxy->listen_fd_ < 0) return ErrnoError("socket");
  const int one = 1;
  setsockopt(proxy->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (bind(proxy->listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return ErrnoError("bind 127.0.0.1:0");
  }
  if (listen(proxy->listen_fd_, 128) != 0) return ErrnoError("listen");
  socklen_t length = sizeof(address);
  if (getsockname(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return ErrnoError("getsockname");
  }
  proxy->port_ = ntohs(address.sin_port);
  proxy->thread_ = std::thread([p = proxy.get()] { p->Loop(); });
  return proxy;
}

TcpProxy::~TcpProxy() {
  if (thread_.joinable()) {
    bool blocked;
    {
      absl::MutexLock lock(&mu_);
      blocked = blocked_;
    }
    Command(blocked, /*stop=*/true);
    thread_.join();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_read_fd_ >= 0) close(wake_read_fd_);
  if (wake_write_fd_ >= 0) close(wake_write_fd_);
}

void TcpProxy::Block() { Command(/*blocked=*/true, /*stop=*/false); }

void TcpProxy::Unblock() { Command(/*blocked=*/false, /*stop=*/false); }

void TcpProxy::DropReplies(bool drop) {
  bool blocked;
  {
    absl::MutexLock lock(&mu_);
    drop_replies_ = drop;
    blocked = blocked_;
  }
  Command(blocked, /*stop=*/false);  // the loop picks drop_replies_ up with the command
}

void TcpProxy::HoldReplies(bool hold) {
  bool blocked;
  {
    absl::MutexLock lock(&mu_);
    hold_replies_ = hold;
    blocked = blocked_;
  }
  Command(blocked, /*stop=*/false);
}

int64_t TcpProxy::dropped_reply_bytes() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

void TcpProxy::CutRequests(std::string marker, int count, std::string after) {
  bool blocked;
  {
    absl::MutexLock lock(&mu_);
    cut_marker_ = std::move(marker);
    cut_after_ = std::move(after);
    cuts_left_ = count;
    blocked = blocked_;
  }
  Command(blocked, /*stop=*/false);
}

int64_t TcpProxy::cut_requests() const {
  absl::MutexLock lock(&mu_);
  return cuts_;
}

int64_t TcpProxy::forwarded_connections() const {
  absl::MutexLock lock(&mu_);
  return forwarded_;
}

int TcpProxy::open_connections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

void TcpProxy::Command(bool blocked, bool stop) {
  uint64_t generation;
  {
    absl::MutexLock lock(&mu_);
    blocked_ = blocked;
    stop_ = stop_ || stop;
    generation = ++requested_;
  }
  const char byte = 1;
  // A full pipe already holds a wake-up: nothing is lost when this write fails with EAGAIN.
  [[maybe_unused]] const ssize_t written = write(wake_write_fd_, &byte, 1);
  absl::MutexLock lock(&mu_);
  auto applied = [this, generation]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu_) { return applied_ >= generation; };
  mu_.Await(absl::Condition(&applied));
}

void TcpProxy::Loop() {
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<pollfd> fds;
  bool blocked = false;
  bool drop_replies = false;
  bool hold_replies = false;
  int64_t dropped = 0;
  std::string cut_marker;  // non-empty while cuts are left
  while (true) {
    // Apply the latest command first: it may close every connection.
    {
      absl::MutexLock lock(&mu_);
      if (stop_ || (blocked_ && !pairs.empty())) {
        for (auto& pair : pairs) {
          pair->failed = true;
          pair->Close();
        }
        pairs.clear();
      }
      blocked = blocked_;
      drop_replies = drop_replies_;
      hold_replies = hold_replies_;
      dropped_ = dropped;
      cut_marker = cuts_left_ > 0 ? cut_marker_ : "";
      applied_ = requested_;
      open_ = static_cast<int>(pairs.size());
      if (stop_) return;
    }

    fds.clear();
    fds.push_back({wake_read_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& pair : pairs) {
      short client_events = 0;
      short upstream_events = 0;
      if (!pair->client_eof && pair->to_upstream.size() < kBufferLimit) client_events |= POLLIN;
      if (!pair->to_client.empty() && !hold_replies) client_events |= POLLOUT;
      if (pair->connecting) {
        upstream_events = POLLOUT;
      } else {
        if (!pair->upstream_eof && pair->to_client.size() < kBufferLimit) {
          upstream_events |= POLLIN;
        }
        if (!pair->to_upstream.empty()) upstream_events |= POLLOUT;
      }
      // An fd with nothing to wait for is left out, so that a hang-up cannot spin the loop.
      fds.push_back({client_events != 0 ? pair->client : -1, client_events, 0});
      fds.push_back({upstream_events != 0 ? pair->upstream : -1, upstream_events, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      std::perror("TcpProxy: poll");
      std::abort();
    }

    if (fds[0].revents != 0) {
      char drain[64];
      while (read(wake_read_fd_, drain, sizeof(drain)) > 0) {
      }
      continue;  // apply the command before touching any connection
    }

    for (size_t i = 0; i < pairs.size(); ++i) {
      Pair& pair = *pairs[i];
      const short client_revents = fds[2 + 2 * i].revents;
      const short upstream_revents = fds[3 + 2 * i].revents;
      if (((client_revents | upstream_revents) & (POLLERR | POLLNVAL)) != 0) {
        pair.failed = true;
        continue;
      }
      if (pair.connecting && upstream_revents != 0) {
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(pair.upstream, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
          pair.failed = true;
          continue;
        }
        pair.connecting = false;
      } else if (!pair.connecting) {
        if ((upstream_revents & (POLLIN | POLLHUP)) != 0 &&
            !ReadInto(pair.upstream, pair.to_client, pair.upstream_eof)) {
          pair.failed = true;
          continue;
        }
        if (drop_replies) {
          dropped += static_cast<int64_t>(pair.to_client.size());
          pair.to_client.clear();
        }
        if ((upstream_revents & (POLLOUT | POLLHUP)) != 0 &&
            !WriteFrom(pair.upstream, pair.to_upstream)) {
          pair.failed = true;
          continue;
        }
      }
      if ((client_revents & (POLLIN | POLLHUP)) != 0 &&
          !ReadInto(pair.client, pair.to_upstream, pair.client_eof)) {
        pair.failed = true;
        continue;
      }
      if (!cut_marker.empty() && absl::StrContains(pair.to_upstream, cut_marker)) {
        absl::MutexLock lock(&mu_);
        if (cuts_left_ > 0 && absl::StrContains(pair.last_request, cut_after_)) {
          --cuts_left_;
          ++cuts_;
          pair.failed = true;
        }
        if (cuts_left_ == 0) cut_marker.clear();
        if (pair.failed) continue;
      } else if (!cut_marker.empty() && !pair.to_upstream.empty()) {
        pair.last_request = pair.to_upstream;
      }
      if (!hold_replies && (client_revents & (POLLOUT | POLLHUP)) != 0 &&
          !WriteFrom(pair.client, pair.to_client)) {
        pair.failed = true;
        continue;
      }
      // Pass half-closes on once what came before them is delivered.
      if (pair.client_eof && !pair.connecting && pair.to_upstream.empty() && !pair.upstream_shut) {
        shutdown(pair.upstream, SHUT_WR);
        pair.upstream_shut = true;
      }
      if (pair.upstream_eof && pair.to_client.empty() && !pair.client_shut) {
        shutdown(pair.client, SHUT_WR);
        pair.client_shut = true;
      }
    }
    for (auto it = pairs.begin(); it != pairs.end();) {
      if ((*it)->Done()) {
        (*it)->Close();
        it = pairs.erase(it);
      } else {
        ++it;
      }
    }

    if (fds[1].revents != 0) {
      while (true) {
        const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) break;  // EAGAIN: all taken; other errors: the client is gone
        if (blocked) {
          ResetClose(client);
          continue;
        }
        auto pair = std::make_unique<Pair>();
        pair->client = client;
        pair->upstream = socket(target_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (pair->upstream < 0) {
          ResetClose(client);
          continue;
        }
        if (connect(pair->upstream, reinterpret_cast<const sockaddr*>(&target_), target_len_) ==
            0) {
          pair->connecting = false;
        } else if (errno != EINPROGRESS) {
          pair->failed = true;
          pair->Close();
          continue;
        }
        pairs.push_back(std::move(pair));
        absl::MutexLock lock(&mu_);
        ++forwarded_;
      }
    }
    absl::MutexLock lock(&mu_);
    open_ = static_cast<int>(pairs.size());
  }
}

}  // namespace luban::testing
