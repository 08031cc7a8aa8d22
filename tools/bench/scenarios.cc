#include "tools/bench/scenarios.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/status.h"
#include "grpcpp/client_context.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;
namespace xpb = ::luban::exchange::v1;

constexpr absl::Duration kCallDeadline = absl::Seconds(10);

// A well-mixed number from (slot, n): the same sequence in every run, different per slot.
uint64_t Mix(int slot, uint64_t n) {
  uint64_t x = (static_cast<uint64_t>(slot) << 40) ^ n ^ 0x9e3779b97f4a7c15ULL;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Scenarios {
 public:
  Scenarios(std::shared_ptr<grpc::Channel> channel, std::shared_ptr<grpc::Channel> exchange,
            std::string token, const BenchData& data, std::atomic<int64_t>* write_cursor)
      : stub_(pb::EnrollmentService::NewStub(channel)),
        exchange_(exchange == nullptr ? nullptr : xpb::ExchangeService::NewStub(exchange)),
        authorization_(absl::StrCat("Bearer ", token)),
        data_(data),
        write_cursor_(write_cursor) {}

  void Point(uint64_t r, CallDone done) {
    auto call = NewCall<pb::GetTraineeRequest, pb::Trainee>();
    call->request.set_name(absl::StrCat(
        "trainees/", data_.trainee_first + static_cast<int64_t>(r % data_.trainees())));
    stub_->async()->GetTrainee(&call->context, &call->request, &call->response,
                               Finish(call, std::move(done)));
  }

  void Page(uint64_t r, CallDone done) {
    auto call = NewCall<pb::ListEnrollmentsRequest, pb::ListEnrollmentsResponse>();
    call->request.set_course_run(data_.read_runs[r % data_.read_runs.size()]);
    call->request.set_page_size(50);
    stub_->async()->ListEnrollments(&call->context, &call->request, &call->response,
                                    Finish(call, std::move(done)));
  }

  void Write(CallDone done) {
    auto call = NewCall<pb::EnrollRequest, pb::Enrollment>();
    const WritePair pair = NextPair(data_.write_runs);
    call->request.set_trainee(pair.trainee);
    call->request.set_course_run(pair.target);
    call->request.set_request_id(absl::StrCat("bench-write-", pair.number));
    stub_->async()->Enroll(&call->context, &call->request, &call->response,
                           Finish(call, std::move(done)));
  }

  // A new trainee, its document numbered from the write cursor (never used before: the cursor
  // goes on from run to run), as a college's registrar types them in.
  void Create(CallDone done) {
    auto call = NewCall<pb::CreateTraineeRequest, pb::Trainee>();
    const int64_t c = write_cursor_->fetch_add(1);
    pb::Trainee* t = call->request.mutable_trainee();
    t->set_family_name("Назаров");
    t->set_given_name("Фирдавс");
    t->set_family_name_latin("Nazarov");
    t->set_given_name_latin("Firdavs");
    t->set_sex(c % 2 == 0 ? pb::SEX_MALE : pb::SEX_FEMALE);
    t->mutable_birth_date()->set_year(static_cast<int>(1985 + c % 20));
    t->mutable_birth_date()->set_month(static_cast<int>(1 + c % 12));
    t->mutable_birth_date()->set_day(static_cast<int>(1 + c % 28));
    t->set_citizenship("TJ");
    t->mutable_identity_document()->set_country_code("TJ");
    t->mutable_identity_document()->set_type(pb::DOCUMENT_TYPE_PASSPORT);
    t->mutable_identity_document()->set_number(absl::StrCat("BENCH-NEW-", c));
    t->mutable_contacts()->set_email(absl::StrCat("trainee", c, "@example.tj"));
    t->mutable_contacts()->set_phone("+992 93 000 0000");
    t->set_home_workshop(data_.workshops[static_cast<size_t>(c) % data_.workshops.size()]);
    call->request.set_request_id(absl::StrCat("bench-create-", c));
    stub_->async()->CreateTrainee(&call->context, &call->request, &call->response,
                                  Finish(call, std::move(done)));
  }

  // A seeded trainee to one of the open programmes, a pair never nominated before (a second open
  // nomination of a pair is refused); a nomination takes no quota place (an approval does).
  void Nominate(CallDone done) {
    auto call = NewCall<xpb::NominateRequest, xpb::Mobility>();
    const WritePair pair = NextPair(data_.programmes);
    call->request.set_programme(pair.target);
    call->request.set_trainee(pair.trainee);
    call->request.set_reason("top of the workshop's robotics group this term");
    call->request.set_request_id(absl::StrCat("bench-nominate-", pair.number));
    exchange_->async()->Nominate(&call->context, &call->request, &call->response,
                                 Finish(call, std::move(done)));
  }

 private:
  struct WritePair {
    int64_t number;       // the write cursor's value, which also numbers the request id
    std::string trainee;  // "trainees/<id>"
    std::string target;   // one of the targets
  };

  // The next write pair of a seeded trainee and one of `targets` (the write runs, the
  // programmes). Consecutive writes go to different trainees and targets, as an admission
  // period's do: writes to one run (or for one trainee) queue on its row by design (the seat
  // rule), which is not what this measures. Pair c is (t, k) = (c mod T, (c div T + t) mod K):
  // distinct for the first T * K writes.
  WritePair NextPair(const std::vector<std::string>& targets) {
    const int64_t c = write_cursor_->fetch_add(1);
    const int64_t trainees = data_.trainees();
    const int64_t t = c % trainees;
    const auto k = static_cast<size_t>((c / trainees + t) % static_cast<int64_t>(targets.size()));
    return {c, absl::StrCat("trainees/", data_.trainee_first + t), targets[k]};
  }

  template <typename Request, typename Response>
  struct Call {
    grpc::ClientContext context;
    Request request;
    Response response;
  };

  template <typename Request, typename Response>
  std::shared_ptr<Call<Request, Response>> NewCall() {
    auto call = std::make_shared<Call<Request, Response>>();
    call->context.AddMetadata("authorization", authorization_);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    return call;
  }

  // Keeps the call alive until gRPC is done with it, then releases it and reports its status: gRPC
  // destroys the callback on its own thread after it returns, when the loop may have ended.
  template <typename CallPtr>
  static std::function<void(grpc::Status)> Finish(CallPtr call, CallDone done) {
    return Copyable(
        [call = std::move(call), done = std::move(done)](const grpc::Status& status) mutable {
          call.reset();
          std::move(done)(status);
        });
  }

  std::unique_ptr<pb::EnrollmentService::Stub> stub_;
  std::unique_ptr<xpb::ExchangeService::Stub> exchange_;  // null without an exchange channel
  const std::string authorization_;
  const BenchData& data_;
  std::atomic<int64_t>* write_cursor_;
};

}  // namespace

absl::StatusOr<StartCall> MakeScenario(absl::string_view name,
                                       std::shared_ptr<grpc::Channel> enrollment,
                                       std::shared_ptr<grpc::Channel> exchange, std::string token,
                                       const BenchData& data, std::atomic<int64_t>* write_cursor) {
  if (name == "nominate" && exchange == nullptr) {
    return absl::InvalidArgumentError(
        "--scenario=nominate loads the exchange service; the ceilings serve the enrollment "
        "service only");
  }
  if (name == "nominate" && data.programmes.empty()) {
    return absl::FailedPreconditionError("no programmes in the data: run `luban-bench write-runs`");
  }
  auto scenarios = std::make_shared<Scenarios>(std::move(enrollment), std::move(exchange),
                                               std::move(token), data, write_cursor);
  if (name == "point") {
    return StartCall([scenarios](int slot, uint64_t n, CallDone done) {
      scenarios->Point(Mix(slot, n), std::move(done));
    });
  }
  if (name == "page") {
    return StartCall([scenarios](int slot, uint64_t n, CallDone done) {
      scenarios->Page(Mix(slot, n), std::move(done));
    });
  }
  if (name == "write") {
    return StartCall(
        [scenarios](int, uint64_t, CallDone done) { scenarios->Write(std::move(done)); });
  }
  if (name == "create") {
    return StartCall(
        [scenarios](int, uint64_t, CallDone done) { scenarios->Create(std::move(done)); });
  }
  if (name == "nominate") {
    return StartCall(
        [scenarios](int, uint64_t, CallDone done) { scenarios->Nominate(std::move(done)); });
  }
  if (name == "mixed") {
    return StartCall([scenarios](int slot, uint64_t n, CallDone done) {
      const uint64_t r = Mix(slot, n);
      const uint64_t pick = r % 10;
      if (pick < 7) {
        scenarios->Point(r / 10, std::move(done));
      } else if (pick < 9) {
        scenarios->Page(r / 10, std::move(done));
      } else {
        scenarios->Write(std::move(done));
      }
    });
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--scenario: `", name, "` is not one of point, page, write, create, nominate, mixed"));
}

ExportResult RunExport(const std::shared_ptr<grpc::Channel>& enrollment, const std::string& token) {
  auto stub = pb::EnrollmentService::NewStub(enrollment);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ExportResult result;
  const absl::Time start = absl::Now();
  auto reader = stub->ExportEnrollments(&context, pb::ExportEnrollmentsRequest());
  pb::ExportEnrollmentsResponse batch;
  while (reader->Read(&batch)) result.rows += batch.enrollments_size();
  const grpc::Status status = reader->Finish();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.rows_per_second =
      result.seconds > 0 ? static_cast<double>(result.rows) / result.seconds : 0;
  if (!status.ok()) {
    result.error = absl::StrCat(StatusCodeName(status.error_code()), ": ", status.error_message());
  }
  return result;
}

}  // namespace luban::bench
