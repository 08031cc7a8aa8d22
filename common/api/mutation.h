// Every state-changing call runs through RunMutation, which refuses a request without a valid
// request_id and makes the call one transaction with:
//  - idempotency: the request_id is claimed first; a retry of the same request returns the first
//    response and changes nothing; the same id with another request is refused;
//  - the audit trail: one row per change the body records (who, when, what, request id);
//  - the change feed: each recorded change is published with the resource's new state;
//  - the response stored for retries.
//
//   return RunMutation(store_, rc, request, response,
//       [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
//         auto run = logic_.Open(tx, rc, id, etag);
//         if (!run.ok()) return run.status();
//         ToProto(*run, response);
//         changes.Record("courseRuns", response->name(), ChangeKind::kUpdated, *response,
//                        "opened");
//         return absl::OkStatus();
//       });
#ifndef LUBAN_COMMON_API_MUTATION_H_
#define LUBAN_COMMON_API_MUTATION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/store.h"
#include "common/domain/validation.h"
#include "google/protobuf/message.h"

namespace luban {

// Collects what a use case changed, for the audit trail and the change feed.
class ChangeRecorder {
 public:
  // `state` is the resource after the change (its last state for a deletion); `action` names
  // the change in the audit trail ("created", "updated", "deleted", "opened", ...); `owners`
  // are the institutions whose college admins follow the change on the feed.
  void Record(absl::string_view resource_type, absl::string_view resource_name, ChangeKind kind,
              const google::protobuf::Message& state, absl::string_view action,
              OwningInstitutions owners);

  // For a call that may legitimately change nothing (an import of rows that all exist, a feed
  // event already reflected): Flush then accepts an empty record.
  void MarkMayBeUnchanged() { may_be_unchanged_ = true; }

  // Writes the audit rows and feed events. INTERNAL when nothing was recorded (unless marked):
  // every mutation must say what it changed.
  absl::Status Flush(Ledger& ledger, const RequestContext& rc,
                     const google::protobuf::Message& request);

 private:
  bool may_be_unchanged_ = false;
  struct Entry {
    ChangeRecord record;
    std::string action;
    std::unique_ptr<google::protobuf::Message> state;
  };
  std::vector<Entry> entries_;
};

// The tail of most mutations: the use case's result becomes `state` (the response, or for a
// deletion the last state) via ToProto(result, state), owned by OwnersOf(result) (both found by
// argument-dependent lookup, next to the domain type's ToProto), and is recorded for the audit
// trail and the change feed.
template <typename T, typename Proto>
absl::Status RecordChange(const absl::StatusOr<T>& result, absl::string_view collection,
                          ChangeKind kind, absl::string_view action, Proto* state,
                          ChangeRecorder& changes) {
  if (!result.ok()) return result.status();
  ToProto(*result, state);
  changes.Record(collection, state->name(), kind, *state, action, OwnersOf(*result));
  return absl::OkStatus();
}

// Records the change of a domain value that is not the answer (an enrollment a withdrawal
// promoted, a mobility a programme's closing cancelled): its state is ToProto(value) as a Proto.
template <typename Proto, typename T>
void RecordValue(const T& value, absl::string_view collection, ChangeKind kind,
                 absl::string_view action, ChangeRecorder& changes) {
  Proto state;
  ToProto(value, &state);
  changes.Record(collection, state.name(), kind, state, action, OwnersOf(value));
}

// The idempotency key of a request: caller, request id, method and a hash of the request.
RequestKey MakeRequestKey(const RequestContext& rc, const google::protobuf::Message& request);

template <typename Tx>
absl::Status RunMutation(TransactionalStore<Tx>& store, const RequestContext& rc,
                         const google::protobuf::Message& request,
                         google::protobuf::Message* response,
                         absl::FunctionRef<absl::Status(Tx&, ChangeRecorder&)> body) {
  if (auto status = CheckRequestId(rc.request_id); !status.ok()) return status;
  const RequestKey key = MakeRequestKey(rc, request);
  return store.InTransaction(rc.method, rc.deadline, [&](Tx& tx) -> absl::Status {
    response->Clear();
    auto prior = tx.ledger().ClaimRequest(key);
    if (!prior.ok()) return prior.status();
    if (prior->has_value()) {
      if (!response->ParseFromString(**prior)) {
        return absl::InternalError("the stored response of this request_id is unreadable");
      }
      return absl::OkStatus();
    }
    ChangeRecorder changes;
    if (auto status = body(tx, changes); !status.ok()) return status;
    if (auto status = changes.Flush(tx.ledger(), rc, request); !status.ok()) return status;
    return tx.ledger().SaveResponse(key, response->SerializeAsString());
  });
}

// A mutation that asks peer services before its transaction (a peer call never holds a database
// connection). A retry of a request already committed is answered from the ledger before any
// peer is asked again: they may be down by the time the caller retries.
//
//   PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
//   if (absl::Status answer; mutation.Answered(&answer)) return answer;
//   ... check the request, ask the peers ...
//   return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) { ... });
template <typename Tx>
class PeerMutation {
 public:
  PeerMutation(TransactionalStore<Tx>& store, const RequestContext& rc,
               const google::protobuf::Message& request, google::protobuf::Message* response)
      : store_(store), rc_(rc), request_(request), response_(response) {}

  // True when the call's answer is known before the peers are asked: `*answer` is the refusal of
  // the request id, a failure to read the ledger, or OK with the first response in `response`.
  bool Answered(absl::Status* answer) {
    *answer = CheckRequestId(rc_.request_id);
    if (!answer->ok()) return true;
    bool found = false;
    const RequestKey key = MakeRequestKey(rc_, request_);
    // One SELECT: a single-statement read, with no COMMIT to wait for.
    *answer = store_.InSingleRead(rc_.method, rc_.deadline, [&](Tx& tx) -> absl::Status {
      auto prior = tx.ledger().FindResponse(key);
      if (!prior.ok()) return prior.status();
      if (!prior->has_value()) return absl::OkStatus();
      if (!response_->ParseFromString(**prior)) {
        return absl::InternalError("the stored response of this request_id is unreadable");
      }
      found = true;
      return absl::OkStatus();
    });
    return !answer->ok() || found;
  }

  // RunMutation, once the peers have answered.
  absl::Status Run(absl::FunctionRef<absl::Status(Tx&, ChangeRecorder&)> body) {
    return RunMutation<Tx>(store_, rc_, request_, response_, body);
  }

 private:
  TransactionalStore<Tx>& store_;
  const RequestContext& rc_;
  const google::protobuf::Message& request_;
  google::protobuf::Message* response_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_API_MUTATION_H_
