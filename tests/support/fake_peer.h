// What the in-memory stand-ins of a peer service (the course directory of the enrollment service,
// the exchange service's course and enrollment peers) share: they count the calls made of them,
// and they can be taken down.
//
// While down, every call fails as the gRPC client (common/client/peer_call.h) reports a peer that
// answered with the given code, through the client's own mapping (PeerCaller::MapStatus):
//   UNAVAILABLE, DEADLINE_EXCEEDED -> UNAVAILABLE "the course service is unavailable:
//                                     courseRuns/7: DEADLINE_EXCEEDED: ..."
//   PERMISSION_DENIED              -> FAILED_PRECONDITION "the enrollment service's credential is
//                                     not accepted by the course service (...)"
// so an Api under test sees exactly what it would see in production, never a status the real
// client cannot return. A failed call counts like any other.
//
// Not thread-safe: for single-threaded tests and fuzz targets.
#ifndef LUBAN_TESTS_SUPPORT_FAKE_PEER_H_
#define LUBAN_TESTS_SUPPORT_FAKE_PEER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/client/peer_call.h"
#include "common/domain/resource_name.h"
#include "grpcpp/support/status_code_enum.h"

namespace luban::testing {

class FakePeer {
 public:
  // `caller` and `peer` name the two services as the real client does ("the enrollment
  // service", "the course service").
  FakePeer(std::string caller, std::string peer);

  // From now on every call fails as if the peer had answered `code` (see the top of the file).
  void GoDown(grpc::StatusCode code = grpc::StatusCode::UNAVAILABLE);
  // Answers again.
  void ComeBack();

  // Calls made so far, failed ones included: in all, and of one method ("GetRun").
  int calls() const { return calls_; }
  int calls(absl::string_view method) const;

 protected:
  ~FakePeer() = default;

  // Counts a call of `method` about `resource` ("courseRuns/7"): OK while up, the outage's
  // status while down.
  absl::Status Enter(absl::string_view method, absl::string_view resource);

  // A Get of `collection`/`id` through Enter: the outage, else the entry of `entries`, else
  // NOT_FOUND "<collection>/<id>: not found" as the gRPC clients report a missing resource.
  template <typename T>
  absl::StatusOr<T> Lookup(absl::string_view method, absl::string_view collection, int64_t id,
                           const std::map<int64_t, T>& entries) {
    const std::string name = FormatResourceName(collection, id);
    if (absl::Status entered = Enter(method, name); !entered.ok()) return entered;
    auto it = entries.find(id);
    if (it == entries.end()) return client::PeerNotFound(name);
    return it->second;
  }

 private:
  client::PeerCaller client_;  // for its MapStatus only
  std::optional<grpc::StatusCode> down_;
  int calls_ = 0;
  std::map<std::string, int, std::less<>> calls_by_method_;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_FAKE_PEER_H_
