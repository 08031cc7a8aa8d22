#include "tests/support/fake_peer.h"

#include <utility>

#include "grpcpp/support/status.h"

namespace luban::testing {

FakePeer::FakePeer(std::string caller, std::string peer)
    : client_(std::move(caller), std::move(peer), /*token=*/"") {}

void FakePeer::GoDown(grpc::StatusCode code) { down_ = code; }

void FakePeer::ComeBack() { down_.reset(); }

int FakePeer::calls(absl::string_view method) const {
  auto it = calls_by_method_.find(method);
  return it == calls_by_method_.end() ? 0 : it->second;
}

absl::Status FakePeer::Enter(absl::string_view method, absl::string_view resource) {
  ++calls_;
  ++calls_by_method_[std::string(method)];
  if (!down_) return absl::OkStatus();
  return client_.MapStatus(grpc::Status(*down_, "injected by the test's fake peer"), resource);
}

}  // namespace luban::testing
