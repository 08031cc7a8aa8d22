// ExchangeApi behind the front CallRunner gives it (tests/support/api_front.h), over the
// in-memory store and course and enrollment peers: no database, no server. What the handler
// layer adds to the domain rules: the method policy, validation naming the field, teachers'
// names redacted for reporters, retries answered from the ledger before any peer is asked, and
// the peers' outages.
#include "services/exchange/api/exchange_api.h"

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status_code_enum.h"
#include "gtest/gtest.h"
#include "tests/exchange/fake_exchange_peers.h"
#include "tests/exchange/fake_exchange_store.h"
#include "tests/support/api_front.h"

namespace luban::exchange {
namespace {

using ::luban::testing::IsInvalidField;
using ::luban::testing::ParseText;
using ::luban::testing::StatusIs;

// The peers' network (fake_exchange_peers.h): institutions/1 (CN) and /2 (TJ) founded
// workshops/1, where trainees/1 and /2 are registered and courseRuns/1 and /2 are given;
// institutions/3 (CN) and /4 (KZ) founded workshops/2, with courseRuns/3 and /4.
const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kPartnerCollege{"ttu-admin", Role::kCollegeAdmin, 2};
const Principal kChineseCollege{"tjc-admin", Role::kCollegeAdmin, 3};
const Principal kReporter{"reports", Role::kReporter, 0};
const Principal kExchangeService{"svc-exchange", Role::kService, 0};
const Principal kEnrollmentService{"svc-enrollment", Role::kService, 0};
const Principal kAnonymous{"anonymous", Role::kAnonymous, 0};

// A study visit to China of institutions/2's trainees who completed courses/1.
constexpr char kStudyVisit[] =
    "programme { titles { language_code: 'ru' text: 'Study visit' } chinese_institution: "
    "'institutions/1' partner_institution: 'institutions/2' kind: "
    "PROGRAMME_KIND_TRAINEE_STUDY_VISIT direction: DIRECTION_TO_CHINA start_date { year: 2027 "
    "month: 7 day: 1 } end_date { year: 2027 month: 7 day: 20 } quota: 2 requirement { "
    "completed_course: 'courses/1' } course_run: 'courseRuns/1' }";
// Teacher training in Kazakhstan by institutions/3's teachers.
constexpr char kTeacherTraining[] =
    "programme { titles { language_code: 'zh' text: 'Teacher training' } chinese_institution: "
    "'institutions/3' partner_institution: 'institutions/4' kind: "
    "PROGRAMME_KIND_TEACHER_TRAINING direction: DIRECTION_TO_PARTNER_COUNTRY start_date { year: "
    "2027 month: 9 day: 1 } end_date { year: 2027 month: 10 day: 1 } quota: 5 }";

class ExchangeApiTest : public ::testing::Test {
 protected:
  ExchangeApiTest()
      : api_(&store_, &course_, &enrollment_, &codec_), front_(&api_, ExchangePolicy()) {}

  std::string NextId() { return absl::StrCat("r-", ++requests_); }

  absl::Status CreateProgramme(const Principal& who, absl::string_view text, pb::Programme* out,
                               const std::string& request_id) {
    pb::CreateProgrammeRequest request = ParseText<pb::CreateProgrammeRequest>(text);
    request.set_request_id(request_id);
    return front_.Call(who, &ExchangeApi::CreateProgramme, request, out);
  }

  // A programme created by the network admin and opened for nominations.
  pb::Programme AddOpenProgramme(absl::string_view text) {
    pb::Programme programme;
    absl::Status status = CreateProgramme(kAdmin, text, &programme, NextId());
    EXPECT_TRUE(status.ok()) << status;
    pb::ChangeProgrammeStatusRequest open;
    open.set_name(programme.name());
    open.set_status(pb::PROGRAMME_STATUS_OPEN);
    open.set_request_id(NextId());
    status = front_.Call(kAdmin, &ExchangeApi::ChangeProgrammeStatus, open, &programme);
    EXPECT_TRUE(status.ok()) << status;
    return programme;
  }

  absl::Status NominateTrainee(const std::string& programme, const std::string& trainee,
                               pb::Mobility* out, const std::string& request_id) {
    pb::NominateRequest request;
    request.set_programme(programme);
    request.set_trainee(trainee);
    request.set_request_id(request_id);
    return front_.Call(kPartnerCollege, &ExchangeApi::Nominate, request, out);
  }

  absl::Status NominateTeacher(const std::string& programme, pb::Mobility* out) {
    pb::NominateRequest request = ParseText<pb::NominateRequest>(
        "teacher { full_name: 'Ли Вэй' full_name_latin: 'Li Wei' position: 'lecturer' }");
    request.set_programme(programme);
    request.set_request_id(NextId());
    return front_.Call(kChineseCollege, &ExchangeApi::Nominate, request, out);
  }

  int PeerCalls() const { return course_.calls() + enrollment_.calls(); }

  testing::FakeExchangeStore store_;
  testing::FakeCoursePeer course_;
  testing::FakeEnrollmentPeer enrollment_;
  const PageTokenCodec codec_{"test secret"};
  int requests_ = 0;
  ExchangeApi api_;
  const luban::testing::ApiFront<ExchangeApi> front_;
};

// ---- redaction --------------------------------------------------------------------------------

TEST_F(ExchangeApiTest, ReportersGetMobilitiesWithoutTeachersNames) {
  const pb::Programme programme = AddOpenProgramme(kTeacherTraining);
  pb::Mobility nominated;
  ASSERT_TRUE(NominateTeacher(programme.name(), &nominated).ok());
  pb::GetMobilityRequest get;
  get.set_name(nominated.name());

  pb::Mobility seen;
  ASSERT_TRUE(front_.Call(kReporter, &ExchangeApi::GetMobility, get, &seen).ok());
  EXPECT_EQ(seen.teacher().full_name(), "");
  EXPECT_EQ(seen.teacher().full_name_latin(), "");
  EXPECT_EQ(seen.teacher().position(), "lecturer");
  EXPECT_EQ(seen.programme(), programme.name());
  EXPECT_EQ(seen.state(), pb::MOBILITY_STATE_NOMINATED);

  pb::ListMobilitiesResponse listed;
  ASSERT_TRUE(
      front_.Call(kReporter, &ExchangeApi::ListMobilities, pb::ListMobilitiesRequest(), &listed)
          .ok());
  ASSERT_EQ(listed.mobilities_size(), 1);
  EXPECT_EQ(listed.mobilities(0).SerializeAsString(), seen.SerializeAsString());

  for (const Principal& who : {kChineseCollege, kAdmin}) {
    ASSERT_TRUE(front_.Call(who, &ExchangeApi::GetMobility, get, &seen).ok());
    EXPECT_EQ(seen.teacher().full_name(), "Ли Вэй") << who.name;
    EXPECT_EQ(seen.teacher().full_name_latin(), "Li Wei") << who.name;
  }
}

// No service calls the exchange service; were one ever let through, the front would redact.
TEST_F(ExchangeApiTest, ServicesAreRefusedEveryMethodAndWouldGetTeachersRedacted) {
  const pb::Programme programme = AddOpenProgramme(kTeacherTraining);
  pb::Mobility nominated;
  ASSERT_TRUE(NominateTeacher(programme.name(), &nominated).ok());
  const google::protobuf::ServiceDescriptor& service = *front_.policy().service();
  for (const Principal& who : {kExchangeService, kEnrollmentService}) {
    for (int i = 0; i < service.method_count(); ++i) {
      EXPECT_EQ(front_.policy().Authorize(service.method(i)->name(), who).code(),
                absl::StatusCode::kPermissionDenied)
          << who.name << " " << service.method(i)->name();
    }
    RequestContext rc;
    rc.principal = who;
    pb::GetMobilityRequest get;
    get.set_name(nominated.name());
    pb::Mobility seen;
    ASSERT_TRUE(front_.Answer(rc, &ExchangeApi::GetMobility, get, &seen).ok());
    EXPECT_EQ(seen.teacher().full_name(), "") << who.name;
    EXPECT_EQ(seen.teacher().full_name_latin(), "") << who.name;
  }
}

// ---- retries ----------------------------------------------------------------------------------

TEST_F(ExchangeApiTest, ARetriedCreateProgrammeIsAnsweredWithoutTheCourseService) {
  luban::testing::ExpectRetryAnsweredFromTheLedger<pb::Programme>(
      store_.ledger(), {&course_, &enrollment_},
      [&](const std::string& request_id, pb::Programme* out) {
        return CreateProgramme(kPartnerCollege, kStudyVisit, out, request_id);
      });
  EXPECT_EQ(store_.data().programmes.size(), 1u);
}

// An update that names a run asks the course service whether it exists; its retry does not.
TEST_F(ExchangeApiTest, ARetriedUpdateNamingARunIsAnsweredWithoutTheCourseService) {
  pb::Programme programme;
  ASSERT_TRUE(CreateProgramme(kPartnerCollege, kStudyVisit, &programme, NextId()).ok());
  luban::testing::ExpectRetryAnsweredFromTheLedger<pb::Programme>(
      store_.ledger(), {&course_, &enrollment_},
      [&](const std::string& request_id, pb::Programme* out) {
        pb::UpdateProgrammeRequest request;
        request.mutable_programme()->set_name(programme.name());
        request.mutable_programme()->set_course_run("courseRuns/2");
        request.mutable_update_mask()->add_paths("course_run");
        request.set_request_id(request_id);
        return front_.Call(kPartnerCollege, &ExchangeApi::UpdateProgramme, request, out);
      });
  EXPECT_EQ(store_.data().programmes.begin()->second.course_run_id, 2);
}

TEST_F(ExchangeApiTest, ARetriedNominationIsAnsweredWithoutEitherPeer) {
  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  luban::testing::ExpectRetryAnsweredFromTheLedger<pb::Mobility>(
      store_.ledger(), {&course_, &enrollment_},
      [&](const std::string& request_id, pb::Mobility* out) {
        return NominateTrainee(programme.name(), "trainees/1", out, request_id);
      });
  EXPECT_EQ(store_.data().mobilities.size(), 1u);
}

TEST_F(ExchangeApiTest, ARequestIdReusedForAnotherRequestIsRefusedBeforeAskingAPeer) {
  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  pb::Mobility mobility;
  ASSERT_TRUE(NominateTrainee(programme.name(), "trainees/1", &mobility, "once").ok());
  const int asked = PeerCalls();
  const absl::Status reused = NominateTrainee(programme.name(), "trainees/2", &mobility, "once");
  EXPECT_THAT(reused,
              StatusIs(absl::StatusCode::kInvalidArgument, "already used for a different request"));
  EXPECT_EQ(PeerCalls(), asked);
  EXPECT_EQ(store_.data().mobilities.size(), 1u);
}

// ---- the peers' outages -----------------------------------------------------------------------

// Whatever a peer answers when in trouble, our caller gets UNAVAILABLE (worth a retry) naming
// the peer and what was asked, and nothing is written.
TEST_F(ExchangeApiTest, APeerOutageIsUnavailableNamingThePeerAndWritesNothing) {
  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  const testing::FakeExchangeData before = store_.data();

  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    // What the real client reports: the peer, what was asked, and what the peer answered.
    const std::string answered = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    SCOPED_TRACE(absl::StrCat("the peer answers ", answered));
    course_.GoDown(code);
    pb::Programme created;
    absl::Status status = CreateProgramme(kPartnerCollege, kStudyVisit, &created, NextId());
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the course service is unavailable: institutions/1: ",
                                              answered)));

    // The trainee's home workshop comes from the course service.
    pb::Mobility mobility;
    status = NominateTrainee(programme.name(), "trainees/1", &mobility, NextId());
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the course service is unavailable: workshops/1: ",
                                              answered)));
    course_.ComeBack();

    enrollment_.GoDown(code);
    status = NominateTrainee(programme.name(), "trainees/1", &mobility, NextId());
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the enrollment service is unavailable: trainees/1: ",
                                              answered)));
    enrollment_.ComeBack();
  }
  EXPECT_EQ(store_.data().programmes.size(), before.programmes.size());
  EXPECT_TRUE(store_.data().mobilities.empty());
  EXPECT_EQ(store_.ledger().claims().size(), before.ledger.claims().size());
  EXPECT_EQ(store_.ledger().audit().size(), before.ledger.audit().size());
}

// A teacher needs no peer: nominating one works while both are down.
TEST_F(ExchangeApiTest, ATeacherIsNominatedWhileBothPeersAreDown) {
  const pb::Programme programme = AddOpenProgramme(kTeacherTraining);
  course_.GoDown();
  enrollment_.GoDown();
  const int asked = PeerCalls();
  pb::Mobility mobility;
  const absl::Status status = NominateTeacher(programme.name(), &mobility);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(mobility.state(), pb::MOBILITY_STATE_NOMINATED);
  EXPECT_EQ(PeerCalls(), asked);
}

TEST_F(ExchangeApiTest, APeerRefusingOurCredentialIsAFailedPrecondition) {
  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  enrollment_.GoDown(grpc::StatusCode::UNAUTHENTICATED);
  pb::Mobility mobility;
  const absl::Status status = NominateTrainee(programme.name(), "trainees/1", &mobility, NextId());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               "credential is not accepted by the enrollment service"));
}

TEST_F(ExchangeApiTest, WhatThePeersDoNotKnowIsNotFoundAgainstTheField) {
  const auto create = [&](const std::string& text) {
    pb::Programme created;
    return CreateProgramme(kPartnerCollege, text, &created, NextId());
  };
  std::string text = kStudyVisit;
  absl::Status status = create(text.replace(text.find("institutions/1"), 14, "institutions/9"));
  EXPECT_EQ(status,
            absl::NotFoundError("programme.chinese_institution: institutions/9: not found"));
  text = kStudyVisit;
  status = create(text.replace(text.find("courses/1"), 9, "courses/9"));
  EXPECT_EQ(status, absl::NotFoundError("requirement.completed_course: courses/9: not found"));
  // Another college's run is answered exactly like a missing one.
  for (const char* run : {"courseRuns/3", "courseRuns/99"}) {
    text = kStudyVisit;
    status = create(text.replace(text.find("courseRuns/1"), 12, run));
    EXPECT_EQ(status, absl::NotFoundError(absl::StrCat("course_run: ", run, ": not found")));
  }

  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  pb::Mobility mobility;
  status = NominateTrainee(programme.name(), "trainees/99", &mobility, NextId());
  EXPECT_EQ(status, absl::NotFoundError("trainee: trainees/99: not found"));
  EXPECT_EQ(store_.data().programmes.size(), 1u);
  EXPECT_TRUE(store_.data().mobilities.empty());
}

// ---- policy -----------------------------------------------------------------------------------

TEST_F(ExchangeApiTest, EachRoleIsRefusedWhatThePolicyDoesNotAllowItBeforeAnyWork) {
  const pb::Programme programme = AddOpenProgramme(kStudyVisit);
  const int transactions = store_.transactions();
  const int asked = PeerCalls();

  pb::Programme created;
  EXPECT_EQ(CreateProgramme(kReporter, kStudyVisit, &created, NextId()).code(),
            absl::StatusCode::kPermissionDenied);
  pb::NominateRequest nominate;
  nominate.set_programme(programme.name());
  nominate.set_trainee("trainees/1");
  nominate.set_request_id(NextId());
  pb::Mobility mobility;
  EXPECT_EQ(front_.Call(kReporter, &ExchangeApi::Nominate, nominate, &mobility).code(),
            absl::StatusCode::kPermissionDenied);
  pb::GetProgrammeRequest get;
  get.set_name(programme.name());
  pb::Programme seen;
  EXPECT_EQ(front_.Call(kAnonymous, &ExchangeApi::GetProgramme, get, &seen).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store_.transactions(), transactions);
  EXPECT_EQ(PeerCalls(), asked);

  // Past the policy, a college acts only on its own side of a programme.
  EXPECT_EQ(front_.Call(kChineseCollege, &ExchangeApi::Nominate, nominate, &mobility).code(),
            absl::StatusCode::kNotFound)
      << "institutions/3 has no part in " << programme.name();
  ASSERT_TRUE(front_.Call(kReporter, &ExchangeApi::GetProgramme, get, &seen).ok());
  EXPECT_EQ(seen.name(), programme.name());
}

// ---- validation -------------------------------------------------------------------------------

// A malformed request is refused naming the field before any peer is asked.
TEST_F(ExchangeApiTest, InvalidRequestsNameTheFieldAndAskThePeersNothing) {
  const auto create = [&](absl::string_view edit) {
    pb::CreateProgrammeRequest request = ParseText<pb::CreateProgrammeRequest>(kStudyVisit);
    request.MergeFrom(ParseText<pb::CreateProgrammeRequest>(edit));
    request.set_request_id(NextId());
    pb::Programme out;
    return front_.Call(kPartnerCollege, &ExchangeApi::CreateProgramme, request, &out);
  };
  EXPECT_TRUE(IsInvalidField(create("programme { kind: 9 }"), "programme.kind"));
  EXPECT_TRUE(IsInvalidField(create("programme { direction: 7 }"), "programme.direction"));
  EXPECT_TRUE(IsInvalidField(create("programme { chinese_institution: 'institution/1' }"),
                             "programme.chinese_institution"));
  EXPECT_TRUE(IsInvalidField(create("programme { start_date { month: 2 day: 30 } }"),
                             "programme.start_date"));
  EXPECT_TRUE(IsInvalidField(create("programme { requirement { completed_course: 'course/1' } }"),
                             "requirement.completed_course"));
  pb::CreateProgrammeRequest no_id = ParseText<pb::CreateProgrammeRequest>(kStudyVisit);
  pb::Programme programme;
  EXPECT_TRUE(
      IsInvalidField(front_.Call(kPartnerCollege, &ExchangeApi::CreateProgramme, no_id, &programme),
                     "request_id"));

  pb::NominateRequest nominate;
  nominate.set_programme("programmes/1");
  nominate.set_request_id(NextId());
  pb::Mobility mobility;
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kPartnerCollege, &ExchangeApi::Nominate, nominate, &mobility), "participant"));
  EXPECT_TRUE(IsInvalidField(NominateTrainee("programme/1", "trainees/1", &mobility, NextId()),
                             "programme"));
  EXPECT_TRUE(
      IsInvalidField(NominateTrainee("programmes/1", "trainee/1", &mobility, NextId()), "trainee"));

  pb::UpdateProgrammeRequest update;
  update.mutable_programme()->set_name("programmes/1");
  update.mutable_update_mask()->add_paths("status");
  update.set_request_id(NextId());
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kPartnerCollege, &ExchangeApi::UpdateProgramme, update, &programme),
      "update_mask"));
  pb::ChangeProgrammeStatusRequest change;
  change.set_name("programmes/1");
  change.set_request_id(NextId());
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kPartnerCollege, &ExchangeApi::ChangeProgrammeStatus, change, &programme),
      "status"));
  pb::ListProgrammesRequest list;
  list.set_year(12);
  pb::ListProgrammesResponse listed;
  EXPECT_TRUE(
      IsInvalidField(front_.Call(kReporter, &ExchangeApi::ListProgrammes, list, &listed), "year"));
  pb::ListMobilitiesRequest list_mobilities;
  list_mobilities.set_state(static_cast<pb::MobilityState>(9));
  pb::ListMobilitiesResponse mobilities;
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kReporter, &ExchangeApi::ListMobilities, list_mobilities, &mobilities), "state"));

  EXPECT_EQ(PeerCalls(), 0);
  EXPECT_TRUE(store_.data().programmes.empty());
  EXPECT_TRUE(store_.ledger().claims().empty());
}

}  // namespace
}  // namespace luban::exchange
