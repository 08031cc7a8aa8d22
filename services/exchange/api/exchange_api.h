// The exchange service's handler layer: validates requests, maps protos to the domain and back,
// asks the course and enrollment services what the domain needs before any transaction, and
// runs each use case in a transaction (mutations through RunMutation).
#ifndef LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_API_H_
#define LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_API_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/policy.h"
#include "common/domain/page_token.h"
#include "common/domain/request_context.h"
#include "luban/exchange/v1/exchange.pb.h"
#include "services/exchange/domain/exchange_logic.h"
#include "services/exchange/domain/peers.h"
#include "services/exchange/domain/repository.h"

namespace luban::exchange {

namespace pb = ::luban::exchange::v1;

// Who may call which method of luban.exchange.v1.ExchangeService.
auth::MethodPolicy ExchangePolicy();

inline constexpr int kExportBatch = 500;

class ExchangeApi {
 public:
  ExchangeApi(ExchangeStore* store, CoursePeer* course, EnrollmentPeer* enrollment,
              const PageTokenCodec* page_tokens)
      : store_(*store), course_(*course), enrollment_(*enrollment), page_tokens_(*page_tokens) {}

  absl::Status GetProgramme(const RequestContext& rc, const pb::GetProgrammeRequest& request,
                            pb::Programme* response);
  absl::Status ListProgrammes(const RequestContext& rc, const pb::ListProgrammesRequest& request,
                              pb::ListProgrammesResponse* response);
  absl::Status CreateProgramme(const RequestContext& rc, const pb::CreateProgrammeRequest& request,
                               pb::Programme* response);
  absl::Status UpdateProgramme(const RequestContext& rc, const pb::UpdateProgrammeRequest& request,
                               pb::Programme* response);
  absl::Status ChangeProgrammeStatus(const RequestContext& rc,
                                     const pb::ChangeProgrammeStatusRequest& request,
                                     pb::Programme* response);

  absl::Status GetMobility(const RequestContext& rc, const pb::GetMobilityRequest& request,
                           pb::Mobility* response);
  absl::Status ListMobilities(const RequestContext& rc, const pb::ListMobilitiesRequest& request,
                              pb::ListMobilitiesResponse* response);
  absl::Status Nominate(const RequestContext& rc, const pb::NominateRequest& request,
                        pb::Mobility* response);
  absl::Status ApproveMobility(const RequestContext& rc, const pb::ApproveMobilityRequest& request,
                               pb::Mobility* response);
  absl::Status RejectMobility(const RequestContext& rc, const pb::RejectMobilityRequest& request,
                              pb::Mobility* response);
  absl::Status ReopenMobility(const RequestContext& rc, const pb::ReopenMobilityRequest& request,
                              pb::Mobility* response);
  absl::Status DepartMobility(const RequestContext& rc, const pb::DepartMobilityRequest& request,
                              pb::Mobility* response);
  absl::Status ReturnMobility(const RequestContext& rc, const pb::ReturnMobilityRequest& request,
                              pb::Mobility* response);
  absl::Status CancelMobility(const RequestContext& rc, const pb::CancelMobilityRequest& request,
                              pb::Mobility* response);

  absl::Status ListAuditRecords(const RequestContext& rc,
                                const pb::ListAuditRecordsRequest& request,
                                pb::ListAuditRecordsResponse* response);

  absl::Status ExportMobilitiesBatch(const RequestContext& rc, ExportCursor& cursor,
                                     pb::ExportMobilitiesResponse* batch,
                                     absl::FunctionRef<void()> next_may_start);

 private:
  absl::Status Read(const RequestContext& rc, absl::FunctionRef<absl::Status(ExchangeTx&)> body);
  // Runs a read-only use case that usually reads with one statement (a Get, a page of a List, an
  // export's batch) as that statement alone, in one round trip (TransactionalStore::InSingleRead);
  // one that needs a second statement (waitlist positions) runs again in a transaction.
  absl::Status ReadOne(const RequestContext& rc, absl::FunctionRef<absl::Status(ExchangeTx&)> body);
  absl::Status Decide(const RequestContext& rc, const google::protobuf::Message& request,
                      const std::string& name, const std::string& etag, MobilityState target,
                      const std::string& reason, pb::Mobility* response);
  // Checks the course service knows the requirement's course and the tied run.
  absl::Status CheckReferences(const RequestContext& rc, const Programme& programme);

  ExchangeStore& store_;
  CoursePeer& course_;
  EnrollmentPeer& enrollment_;
  const PageTokenCodec& page_tokens_;
  const ExchangeLogic logic_{};
};

void ToProto(const Programme& in, pb::Programme* out);
void ToProto(const Mobility& in, pb::Mobility* out);

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_API_H_
