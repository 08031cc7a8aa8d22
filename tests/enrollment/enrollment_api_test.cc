// EnrollmentApi behind the front CallRunner gives it (tests/support/api_front.h), over the
// in-memory store and course directory: no database, no server. What the handler layer adds to
// the domain rules: the method policy, validation naming the field, the answer redacted per
// caller, retries answered from the ledger before the course service is asked, Enroll deciding
// on the mirrored run while the course feed is live, and the course service's outages.
#include "services/enrollment/api/enrollment_api.h"

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status_code_enum.h"
#include "gtest/gtest.h"
#include "tests/enrollment/fake_course_directory.h"
#include "tests/enrollment/fake_enrollment_store.h"
#include "tests/support/api_front.h"

namespace luban::enrollment {
namespace {

using ::luban::testing::IsInvalidField;
using ::luban::testing::ParseText;
using ::luban::testing::StatusIs;
using ::testing::HasSubstr;

// The directory's network (fake_course_directory.h): institutions/2 co-founded workshops/1,
// where courseRuns/1 (capacity 2) and /3 (capacity 5) are open; institutions/4 workshops/2.
const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kCollege{"ttu-admin", Role::kCollegeAdmin, 2};
const Principal kOtherCollege{"enu-admin", Role::kCollegeAdmin, 4};
const Principal kReporter{"reports", Role::kReporter, 0};
const Principal kExchangeService{"svc-exchange", Role::kService, 0};
const Principal kEnrollmentService{"svc-enrollment", Role::kService, 0};
const Principal kAnonymous{"anonymous", Role::kAnonymous, 0};

pb::CreateTraineeRequest TraineeRequest(const std::string& document,
                                        const std::string& workshop = "workshops/1") {
  return ParseText<pb::CreateTraineeRequest>(absl::StrCat(
      "trainee { family_name: 'Рахимов' given_name: 'Фаррух' family_name_latin: 'Rahimov' "
      "given_name_latin: 'Farrukh' sex: SEX_MALE birth_date { year: 2001 month: 4 day: 12 } "
      "citizenship: 'TJ' identity_document { country_code: 'TJ' type: DOCUMENT_TYPE_PASSPORT "
      "number: '",
      document,
      "' } contacts { email: 'f@example.tj' phone: '+992 93 123 4567' address: 'Dushanbe' } "
      "home_workshop: '",
      workshop, "' }"));
}

class EnrollmentApiTest : public ::testing::Test {
 protected:
  EnrollmentApiTest()
      : api_(&store_, &directory_, &codec_,
             EnrollmentConfig{.certificate_number =
                                  [this] { return absl::StrFormat("LW-TEST-%04d", ++issued_); },
                              .clock = Clock::Stepping(absl::FromCivil(absl::CivilDay(2027, 6, 1),
                                                                       absl::UTCTimeZone()))}),
        front_(&api_, EnrollmentPolicy()) {}

  std::string NextId() { return absl::StrCat("r-", ++requests_); }

  // A trainee created by the college at `workshop`.
  pb::Trainee AddTrainee(const std::string& document, const std::string& workshop = "workshops/1") {
    pb::CreateTraineeRequest request = TraineeRequest(document, workshop);
    request.set_request_id(NextId());
    pb::Trainee trainee;
    const absl::Status status =
        front_.Call(kCollege, &EnrollmentApi::CreateTrainee, request, &trainee);
    EXPECT_TRUE(status.ok()) << status;
    return trainee;
  }

  absl::Status Enroll(const std::string& trainee, const std::string& run, pb::Enrollment* out,
                      const std::string& request_id) {
    pb::EnrollRequest request;
    request.set_trainee(trainee);
    request.set_course_run(run);
    request.set_request_id(request_id);
    return front_.Call(kCollege, &EnrollmentApi::Enroll, request, out);
  }

  // Completes `enrollment` with a passing score (its run, courseRuns/3, started first).
  absl::Status Complete(const std::string& enrollment, pb::Enrollment* out,
                        const std::string& request_id) {
    directory_.runs()[3].status = RunStatus::kInProgress;
    pb::CompleteRequest request;
    request.set_name(enrollment);
    request.set_final_score(90);
    request.set_attendance_percent(95);
    request.set_request_id(request_id);
    return front_.Call(kCollege, &EnrollmentApi::Complete, request, out);
  }

  // See luban::testing::ExpectRetryAnsweredFromTheLedger.
  template <typename Response>
  void ExpectRetryAnsweredFromTheLedger(
      const std::function<absl::Status(const std::string&, Response*)>& mutate) {
    luban::testing::ExpectRetryAnsweredFromTheLedger(store_.ledger(), {&directory_}, mutate);
  }

  testing::FakeEnrollmentStore store_;
  testing::FakeCourseDirectory directory_;
  const PageTokenCodec codec_{"test secret"};
  int issued_ = 0;
  int requests_ = 0;
  EnrollmentApi api_;
  const luban::testing::ApiFront<EnrollmentApi> front_;
};

// ---- redaction --------------------------------------------------------------------------------

TEST_F(EnrollmentApiTest, ReportersGetTraineesWithPersonalFieldsClearedAndMarkedRedacted) {
  const pb::Trainee created = AddTrainee("A1000001");
  pb::GetTraineeRequest get;
  get.set_name(created.name());

  pb::Trainee seen;
  ASSERT_TRUE(front_.Call(kReporter, &EnrollmentApi::GetTrainee, get, &seen).ok());
  EXPECT_TRUE(seen.redacted());
  EXPECT_EQ(seen.family_name(), "");
  EXPECT_EQ(seen.given_name(), "");
  EXPECT_EQ(seen.family_name_latin(), "");
  EXPECT_EQ(seen.given_name_latin(), "");
  EXPECT_FALSE(seen.has_birth_date());
  EXPECT_FALSE(seen.has_identity_document());
  EXPECT_FALSE(seen.has_contacts());
  // What reports need stays.
  EXPECT_EQ(seen.name(), created.name());
  EXPECT_EQ(seen.home_workshop(), "workshops/1");
  EXPECT_EQ(seen.birth_year(), 2001);
  EXPECT_EQ(seen.sex(), pb::SEX_MALE);
  EXPECT_EQ(seen.citizenship(), "TJ");
  EXPECT_EQ(seen.etag(), created.etag());

  pb::ListTraineesResponse listed;
  ASSERT_TRUE(
      front_.Call(kReporter, &EnrollmentApi::ListTrainees, pb::ListTraineesRequest(), &listed)
          .ok());
  ASSERT_EQ(listed.trainees_size(), 1);
  EXPECT_EQ(listed.trainees(0).SerializeAsString(), seen.SerializeAsString());

  // The owning college and the network admin see the person.
  for (const Principal& who : {kCollege, kAdmin}) {
    ASSERT_TRUE(front_.Call(who, &EnrollmentApi::GetTrainee, get, &seen).ok());
    EXPECT_FALSE(seen.redacted()) << who.name;
    EXPECT_EQ(seen.family_name(), "Рахимов") << who.name;
    EXPECT_EQ(seen.identity_document().number(), "A1000001") << who.name;
  }
}

TEST_F(EnrollmentApiTest, ReportersGetCertificatesWithoutTheHoldersName) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::Enrollment enrolled, completed;
  ASSERT_TRUE(Enroll(trainee.name(), "courseRuns/3", &enrolled, NextId()).ok());
  ASSERT_TRUE(Complete(enrolled.name(), &completed, NextId()).ok());
  ASSERT_FALSE(completed.certificate().empty());
  pb::GetCertificateRequest get;
  get.set_name(completed.certificate());

  pb::Certificate seen;
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::GetCertificate, get, &seen).ok());
  EXPECT_EQ(seen.holder_name_latin(), "Farrukh Rahimov");
  ASSERT_TRUE(front_.Call(kReporter, &EnrollmentApi::GetCertificate, get, &seen).ok());
  EXPECT_EQ(seen.holder_name(), "");
  EXPECT_EQ(seen.holder_name_latin(), "");
  EXPECT_EQ(seen.number(), "LW-TEST-0001");
  EXPECT_EQ(seen.course_code(), "URT-101");
  EXPECT_EQ(seen.trainee(), trainee.name());
}

// No service may read a trainee; were one ever let through, the front would still redact.
TEST_F(EnrollmentApiTest, ServicesAreRefusedTraineesAndWouldGetThemRedacted) {
  const pb::Trainee created = AddTrainee("A1000001");
  pb::GetTraineeRequest get;
  get.set_name(created.name());
  pb::Trainee seen;
  for (const Principal& service : {kExchangeService, kEnrollmentService}) {
    EXPECT_EQ(front_.Call(service, &EnrollmentApi::GetTrainee, get, &seen).code(),
              absl::StatusCode::kPermissionDenied)
        << service.name;
    pb::ListTraineesResponse listed;
    EXPECT_EQ(front_.Call(service, &EnrollmentApi::ListTrainees, pb::ListTraineesRequest(), &listed)
                  .code(),
              absl::StatusCode::kPermissionDenied)
        << service.name;

    RequestContext rc;
    rc.principal = service;
    ASSERT_TRUE(front_.Answer(rc, &EnrollmentApi::GetTrainee, get, &seen).ok());
    EXPECT_TRUE(seen.redacted()) << service.name;
    EXPECT_EQ(seen.family_name_latin(), "") << service.name;
    EXPECT_FALSE(seen.has_identity_document()) << service.name;
  }
}

// What the exchange service may ask holds no personal data.
TEST_F(EnrollmentApiTest, TheExchangeServiceLearnsEligibilityAndTheHomeWorkshopOnly) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::CheckEligibilityRequest request;
  request.set_trainee(trainee.name());
  request.mutable_requirement()->set_completed_course("courses/1");
  pb::CheckEligibilityResponse answer;
  ASSERT_TRUE(
      front_.Call(kExchangeService, &EnrollmentApi::CheckEligibility, request, &answer).ok());
  EXPECT_FALSE(answer.eligible());
  EXPECT_THAT(answer.reason(), HasSubstr("courses/1"));
  EXPECT_EQ(answer.home_workshop(), "workshops/1");
  EXPECT_EQ(
      front_.Call(kEnrollmentService, &EnrollmentApi::CheckEligibility, request, &answer).code(),
      absl::StatusCode::kPermissionDenied)
      << "only the exchange service asks";
}

// ---- retries ----------------------------------------------------------------------------------

TEST_F(EnrollmentApiTest, ARetriedCreateTraineeIsAnsweredWithoutTheCourseService) {
  ExpectRetryAnsweredFromTheLedger<pb::Trainee>(
      [&](const std::string& request_id, pb::Trainee* out) {
        pb::CreateTraineeRequest request = TraineeRequest("A1000001");
        request.set_request_id(request_id);
        return front_.Call(kCollege, &EnrollmentApi::CreateTrainee, request, out);
      });
  EXPECT_EQ(store_.data().trainees.size(), 1u);
}

TEST_F(EnrollmentApiTest, ARetriedUpdateOfTheHomeWorkshopIsAnsweredWithoutTheCourseService) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  ExpectRetryAnsweredFromTheLedger<pb::Trainee>(
      [&](const std::string& request_id, pb::Trainee* out) {
        pb::UpdateTraineeRequest request;
        request.mutable_trainee()->set_name(trainee.name());
        request.mutable_trainee()->set_home_workshop("workshops/1");
        request.mutable_update_mask()->add_paths("home_workshop");
        request.set_request_id(request_id);
        return front_.Call(kCollege, &EnrollmentApi::UpdateTrainee, request, out);
      });
}

TEST_F(EnrollmentApiTest, ARetriedImportIsAnsweredWithoutTheCourseService) {
  ExpectRetryAnsweredFromTheLedger<pb::ImportTraineesResponse>(
      [&](const std::string& request_id, pb::ImportTraineesResponse* out) {
        pb::ImportTraineesRequest request;
        *request.add_rows()->mutable_trainee() = TraineeRequest("A1000001").trainee();
        *request.add_rows()->mutable_trainee() = TraineeRequest("A1000002").trainee();
        request.set_request_id(request_id);
        return front_.Call(kCollege, &EnrollmentApi::ImportTrainees, request, out);
      });
  EXPECT_EQ(store_.data().trainees.size(), 2u);
}

TEST_F(EnrollmentApiTest, ARetriedEnrollIsAnsweredWithoutTheCourseService) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  ExpectRetryAnsweredFromTheLedger<pb::Enrollment>(
      [&](const std::string& request_id, pb::Enrollment* out) {
        return Enroll(trainee.name(), "courseRuns/1", out, request_id);
      });
  EXPECT_EQ(store_.data().enrollments.size(), 1u);
}

TEST_F(EnrollmentApiTest, ARetriedCompletionIsAnsweredWithoutTheCourseService) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::Enrollment enrolled;
  ASSERT_TRUE(Enroll(trainee.name(), "courseRuns/3", &enrolled, NextId()).ok());
  ExpectRetryAnsweredFromTheLedger<pb::Enrollment>(
      [&](const std::string& request_id, pb::Enrollment* out) {
        return Complete(enrolled.name(), out, request_id);
      });
  EXPECT_EQ(store_.data().certificates.size(), 1u);
}

TEST_F(EnrollmentApiTest, ARequestIdReusedForAnotherRequestIsRefusedBeforeAskingTheCourseService) {
  pb::CreateTraineeRequest request = TraineeRequest("A1000001");
  request.set_request_id("once");
  pb::Trainee out;
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::CreateTrainee, request, &out).ok());
  const int asked = directory_.calls();
  request.mutable_trainee()->mutable_identity_document()->set_number("B2000002");
  const absl::Status reused = front_.Call(kCollege, &EnrollmentApi::CreateTrainee, request, &out);
  EXPECT_THAT(reused,
              StatusIs(absl::StatusCode::kInvalidArgument, "already used for a different request"));
  EXPECT_EQ(directory_.calls(), asked);
  EXPECT_EQ(store_.data().trainees.size(), 1u);
}

// ---- Enroll on the mirrored run ---------------------------------------------------------------

// While the course feed is live, Enroll decides on the run as mirrored here: once a run has a
// mirror, enrollments need no course service at all, and the seat rule still holds.
TEST_F(EnrollmentApiTest, WithALiveFeedEnrollDecidesOnTheMirroredRunWithoutTheCourseService) {
  api_.DecideOnMirroredRuns([] { return true; });
  const pb::Trainee first = AddTrainee("A1000001");
  const pb::Trainee second = AddTrainee("A1000002");
  const pb::Trainee third = AddTrainee("A1000003");
  pb::Enrollment e1, e2, e3;
  // The run's first enrollment: no mirror yet, so the course service is asked.
  ASSERT_TRUE(Enroll(first.name(), "courseRuns/1", &e1, NextId()).ok());
  EXPECT_EQ(directory_.calls("GetRun"), 1);
  EXPECT_EQ(e1.state(), pb::ENROLLMENT_STATE_ENROLLED);

  directory_.GoDown();
  const int asked = directory_.calls();
  ASSERT_TRUE(Enroll(second.name(), "courseRuns/1", &e2, NextId()).ok());
  ASSERT_TRUE(Enroll(third.name(), "courseRuns/1", &e3, NextId()).ok());
  EXPECT_EQ(directory_.calls(), asked)
      << "an enrollment on a mirrored run asked the course service";
  EXPECT_EQ(e2.state(), pb::ENROLLMENT_STATE_ENROLLED);
  EXPECT_EQ(e3.state(), pb::ENROLLMENT_STATE_WAITLISTED) << "courseRuns/1 has 2 seats";
  EXPECT_EQ(e3.waitlist_position(), 1);
}

// The fallback: a run without a mirror is asked of the course service; when that is down the
// call is UNAVAILABLE and leaves nothing behind, not even its request_id, so the same request
// succeeds once the course service is back.
TEST_F(EnrollmentApiTest, WithALiveFeedAnUnmirroredRunFallsBackToTheCourseService) {
  api_.DecideOnMirroredRuns([] { return true; });
  const pb::Trainee trainee = AddTrainee("A1000001");
  const size_t audited = store_.ledger().audit().size();
  const size_t claimed = store_.ledger().claims().size();
  directory_.GoDown();
  pb::Enrollment enrollment;
  const absl::Status down = Enroll(trainee.name(), "courseRuns/3", &enrollment, "enroll-once");
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable,
                             "the course service is unavailable: courseRuns/3"));
  EXPECT_EQ(directory_.calls("GetRun"), 1);
  EXPECT_TRUE(store_.data().enrollments.empty());
  EXPECT_TRUE(store_.data().run_seats.empty()) << "no mirror of a run the course service did not "
                                                  "describe";
  EXPECT_EQ(store_.ledger().audit().size(), audited);
  EXPECT_EQ(store_.ledger().claims().size(), claimed);

  directory_.ComeBack();
  ASSERT_TRUE(Enroll(trainee.name(), "courseRuns/3", &enrollment, "enroll-once").ok());
  EXPECT_EQ(enrollment.state(), pb::ENROLLMENT_STATE_ENROLLED);
  EXPECT_EQ(directory_.calls("GetRun"), 2);
  EXPECT_EQ(store_.data().run_seats.count(3), 1u) << "the run is mirrored now";
}

// Without a live feed the mirror may be stale: every enrollment asks the course service.
TEST_F(EnrollmentApiTest, WithoutALiveFeedEveryEnrollAsksTheCourseService) {
  bool feed_live = false;
  api_.DecideOnMirroredRuns([&] { return feed_live; });
  const pb::Trainee first = AddTrainee("A1000001");
  const pb::Trainee second = AddTrainee("A1000002");
  pb::Enrollment enrollment;
  ASSERT_TRUE(Enroll(first.name(), "courseRuns/3", &enrollment, NextId()).ok());
  ASSERT_EQ(store_.data().run_seats.count(3), 1u);

  directory_.GoDown();
  const absl::Status down = Enroll(second.name(), "courseRuns/3", &enrollment, NextId());
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_EQ(directory_.calls("GetRun"), 2);
  EXPECT_EQ(store_.data().enrollments.size(), 1u);

  feed_live = true;  // the feed caught up: the mirror decides again
  ASSERT_TRUE(Enroll(second.name(), "courseRuns/3", &enrollment, NextId()).ok());
  EXPECT_EQ(directory_.calls("GetRun"), 2);
  EXPECT_EQ(store_.data().enrollments.size(), 2u);
}

// ---- the course service's outages ------------------------------------------------------------

// Whatever the course service answers when in trouble, our caller gets UNAVAILABLE (worth a
// retry) naming the peer and what was asked, and nothing is written.
TEST_F(EnrollmentApiTest, ACourseServiceOutageIsUnavailableNamingThePeerAndWritesNothing) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::Enrollment enrolled;
  ASSERT_TRUE(Enroll(trainee.name(), "courseRuns/3", &enrolled, NextId()).ok());
  const testing::FakeEnrollmentData before = store_.data();

  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED}) {
    // What the real client reports: the peer, what was asked, and what the peer answered.
    const std::string answered = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
    SCOPED_TRACE(absl::StrCat("the course service answers ", answered));
    directory_.GoDown(code);
    pb::CreateTraineeRequest create = TraineeRequest("B2000002");
    create.set_request_id(NextId());
    pb::Trainee trainee_out;
    absl::Status status =
        front_.Call(kCollege, &EnrollmentApi::CreateTrainee, create, &trainee_out);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the course service is unavailable: workshops/1: ",
                                              answered)));

    pb::Enrollment enrollment_out;
    status = Enroll(trainee.name(), "courseRuns/1", &enrollment_out, NextId());
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the course service is unavailable: courseRuns/1: ",
                                              answered)));

    status = Complete(enrolled.name(), &enrollment_out, NextId());
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable,
                                 absl::StrCat("the course service is unavailable: courseRuns/3: ",
                                              answered)));

    // An import answers nothing rather than half.
    pb::ImportTraineesRequest import;
    *import.add_rows()->mutable_trainee() = TraineeRequest("C3000003").trainee();
    import.set_request_id(NextId());
    pb::ImportTraineesResponse imported;
    status = front_.Call(kCollege, &EnrollmentApi::ImportTrainees, import, &imported);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable, "the course service"));
    EXPECT_EQ(imported.results_size(), 0);
  }
  EXPECT_EQ(store_.data().trainees.size(), before.trainees.size());
  EXPECT_EQ(store_.data().enrollments.size(), before.enrollments.size());
  EXPECT_EQ(store_.data().enrollments.at(1).state, EnrollmentState::kEnrolled);
  EXPECT_TRUE(store_.data().certificates.empty());
  EXPECT_EQ(store_.ledger().claims().size(), before.ledger.claims().size());
  EXPECT_EQ(store_.ledger().audit().size(), before.ledger.audit().size());
}

// A refused credential is the deployment's to fix, not the caller's: never PERMISSION_DENIED.
TEST_F(EnrollmentApiTest, ACourseServiceRefusingOurCredentialIsAFailedPrecondition) {
  directory_.GoDown(grpc::StatusCode::PERMISSION_DENIED);
  pb::CreateTraineeRequest create = TraineeRequest("A1000001");
  create.set_request_id(NextId());
  pb::Trainee out;
  const absl::Status status = front_.Call(kCollege, &EnrollmentApi::CreateTrainee, create, &out);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               "credential is not accepted by the course service"));
}

TEST_F(EnrollmentApiTest, WhatTheCourseServiceDoesNotKnowIsNotFoundAgainstTheField) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::Enrollment enrollment;
  absl::Status status = Enroll(trainee.name(), "courseRuns/99", &enrollment, NextId());
  EXPECT_EQ(status, absl::NotFoundError("course_run: courseRuns/99: not found"));

  pb::CreateTraineeRequest create = TraineeRequest("B2000002", "workshops/9");
  create.set_request_id(NextId());
  pb::Trainee out;
  status = front_.Call(kCollege, &EnrollmentApi::CreateTrainee, create, &out);
  EXPECT_EQ(status, absl::NotFoundError("home_workshop: workshops/9: not found"));
  EXPECT_EQ(store_.data().trainees.size(), 1u);
}

// ---- policy -----------------------------------------------------------------------------------

TEST_F(EnrollmentApiTest, EachRoleIsRefusedWhatThePolicyDoesNotAllowItBeforeAnyWork) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  const int transactions = store_.transactions();
  const int asked = directory_.calls();

  pb::EnrollRequest enroll;
  enroll.set_trainee(trainee.name());
  enroll.set_course_run("courseRuns/1");
  enroll.set_request_id(NextId());
  pb::Enrollment enrollment;
  for (const Principal& who : {kReporter, kExchangeService}) {
    EXPECT_EQ(front_.Call(who, &EnrollmentApi::Enroll, enroll, &enrollment).code(),
              absl::StatusCode::kPermissionDenied)
        << who.name;
  }
  EXPECT_EQ(front_.Call(kAnonymous, &EnrollmentApi::Enroll, enroll, &enrollment).code(),
            absl::StatusCode::kUnauthenticated);
  pb::CreateTraineeRequest create = TraineeRequest("B2000002");
  create.set_request_id(NextId());
  pb::Trainee created;
  EXPECT_EQ(front_.Call(kReporter, &EnrollmentApi::CreateTrainee, create, &created).code(),
            absl::StatusCode::kPermissionDenied);
  pb::RevokeCertificateRequest revoke;
  revoke.set_name("certificates/1");
  revoke.set_request_id(NextId());
  pb::Certificate certificate;
  EXPECT_EQ(front_.Call(kCollege, &EnrollmentApi::RevokeCertificate, revoke, &certificate).code(),
            absl::StatusCode::kPermissionDenied)
      << "network admins only";
  EXPECT_EQ(store_.transactions(), transactions);
  EXPECT_EQ(directory_.calls(), asked);

  // Certificate verification is public.
  pb::VerifyCertificateRequest verify;
  verify.set_number("LW-NONE-0000");
  pb::VerifyCertificateResponse verified;
  ASSERT_TRUE(front_.Call(kAnonymous, &EnrollmentApi::VerifyCertificate, verify, &verified).ok());
  EXPECT_EQ(verified.status(), pb::CERTIFICATE_STATUS_UNKNOWN);
}

// Past the policy, the Api keeps each caller to what it may see.
TEST_F(EnrollmentApiTest, ReportersMayNotSearchByNameAndCollegesSeeOnlyTheirOwnTrainees) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  pb::ListTraineesRequest search;
  search.set_name_prefix("Rah");
  pb::ListTraineesResponse found;
  const absl::Status refused = front_.Call(kReporter, &EnrollmentApi::ListTrainees, search, &found);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied, "name_prefix"));
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::ListTrainees, search, &found).ok());
  EXPECT_EQ(found.trainees_size(), 1);

  pb::GetTraineeRequest get;
  get.set_name(trainee.name());
  pb::Trainee seen;
  EXPECT_EQ(front_.Call(kOtherCollege, &EnrollmentApi::GetTrainee, get, &seen).code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(
      front_.Call(kOtherCollege, &EnrollmentApi::ListTrainees, pb::ListTraineesRequest(), &found)
          .ok());
  EXPECT_EQ(found.trainees_size(), 0);
}

// A document number finds its holder however it is written; only admins search by it, a college
// among its own trainees.
TEST_F(EnrollmentApiTest, AdminsFindATraineeByDocumentNumber) {
  const pb::Trainee trainee = AddTrainee("A1000001");
  AddTrainee("A1000002");
  pb::ListTraineesRequest search;
  search.set_document_number("a 100-0001");
  pb::ListTraineesResponse found;
  for (const Principal& who : {kCollege, kAdmin}) {
    ASSERT_TRUE(front_.Call(who, &EnrollmentApi::ListTrainees, search, &found).ok()) << who.name;
    ASSERT_EQ(found.trainees_size(), 1) << who.name;
    EXPECT_EQ(found.trainees(0).name(), trainee.name());
  }
  ASSERT_TRUE(front_.Call(kOtherCollege, &EnrollmentApi::ListTrainees, search, &found).ok());
  EXPECT_EQ(found.trainees_size(), 0);
  EXPECT_THAT(front_.Call(kReporter, &EnrollmentApi::ListTrainees, search, &found),
              StatusIs(absl::StatusCode::kPermissionDenied, "document_number"));
  for (const std::string& bad :
       {std::string("A100#0001"), std::string(" - "), std::string(65, '1')}) {
    search.set_document_number(bad);
    EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &EnrollmentApi::ListTrainees, search, &found),
                               "document_number"))
        << bad;
  }
}

// A run's page reads its trainees and their certificates with one call each.
TEST_F(EnrollmentApiTest, TraineesAndCertificatesAreListedByCourseRun) {
  const pb::Trainee waiting = AddTrainee("A1000001");
  const pb::Trainee completing = AddTrainee("A1000002");
  AddTrainee("A1000003");  // in no run
  pb::Enrollment enrolled;
  ASSERT_TRUE(Enroll(waiting.name(), "courseRuns/1", &enrolled, NextId()).ok());
  ASSERT_TRUE(Enroll(completing.name(), "courseRuns/3", &enrolled, NextId()).ok());
  pb::Enrollment completed;
  ASSERT_TRUE(Complete(enrolled.name(), &completed, NextId()).ok());
  ASSERT_FALSE(completed.certificate().empty());

  pb::ListTraineesRequest trainees;
  trainees.set_course_run("courseRuns/3");
  pb::ListTraineesResponse in_run;
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::ListTrainees, trainees, &in_run).ok());
  ASSERT_EQ(in_run.trainees_size(), 1);
  EXPECT_EQ(in_run.trainees(0).name(), completing.name());
  pb::ListCertificatesRequest certificates;
  certificates.set_course_run("courseRuns/3");
  pb::ListCertificatesResponse issued;
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::ListCertificates, certificates, &issued).ok());
  ASSERT_EQ(issued.certificates_size(), 1);
  EXPECT_EQ(issued.certificates(0).name(), completed.certificate());
  certificates.set_course_run("courseRuns/1");
  ASSERT_TRUE(front_.Call(kCollege, &EnrollmentApi::ListCertificates, certificates, &issued).ok());
  EXPECT_EQ(issued.certificates_size(), 0);

  trainees.set_course_run("runs/3");
  EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &EnrollmentApi::ListTrainees, trainees, &in_run),
                             "course_run"));
  certificates.set_course_run("courseRuns/x");
  EXPECT_TRUE(
      IsInvalidField(front_.Call(kCollege, &EnrollmentApi::ListCertificates, certificates, &issued),
                     "course_run"));
}

// ---- validation -------------------------------------------------------------------------------

// A malformed request is refused naming the field before the course service is asked.
TEST_F(EnrollmentApiTest, InvalidRequestsNameTheFieldAndAskTheCourseServiceNothing) {
  const auto create = [&](absl::string_view edit) {
    pb::CreateTraineeRequest request = TraineeRequest("A1000001");
    request.set_request_id(NextId());
    request.MergeFrom(ParseText<pb::CreateTraineeRequest>(edit));
    pb::Trainee out;
    return front_.Call(kCollege, &EnrollmentApi::CreateTrainee, request, &out);
  };
  EXPECT_TRUE(IsInvalidField(create("trainee { sex: 7 }"), "trainee.sex"));
  EXPECT_TRUE(IsInvalidField(create("trainee { birth_date { month: 13 } }"), "trainee.birth_date"));
  EXPECT_TRUE(IsInvalidField(create("trainee { identity_document { type: 9 } }"),
                             "trainee.identity_document.type"));
  EXPECT_TRUE(
      IsInvalidField(create("trainee { home_workshop: 'workshop/1' }"), "trainee.home_workshop"));
  pb::CreateTraineeRequest no_id = TraineeRequest("A1000001");
  pb::Trainee trainee;
  EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &EnrollmentApi::CreateTrainee, no_id, &trainee),
                             "request_id"));

  pb::Enrollment enrollment;
  EXPECT_TRUE(IsInvalidField(Enroll("trainees/1", "runs/1", &enrollment, NextId()), "course_run"));
  EXPECT_TRUE(IsInvalidField(Enroll("", "courseRuns/1", &enrollment, NextId()), "trainee"));

  pb::ImportTraineesRequest import;
  import.set_request_id(NextId());
  pb::ImportTraineesResponse imported;
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kCollege, &EnrollmentApi::ImportTrainees, import, &imported), "rows"));

  pb::UpdateTraineeRequest update;
  update.mutable_trainee()->set_name("trainees/1");
  update.mutable_update_mask()->add_paths("status");
  update.set_request_id(NextId());
  EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &EnrollmentApi::UpdateTrainee, update, &trainee),
                             "update_mask"));

  pb::ListEnrollmentsRequest list;
  list.set_state(static_cast<pb::EnrollmentState>(42));
  pb::ListEnrollmentsResponse listed;
  EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &EnrollmentApi::ListEnrollments, list, &listed),
                             "state"));

  pb::CheckEligibilityRequest check;
  check.set_trainee("trainees/1");
  check.mutable_requirement()->set_completed_course("course/1");
  pb::CheckEligibilityResponse eligibility;
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kExchangeService, &EnrollmentApi::CheckEligibility, check, &eligibility),
      "requirement.completed_course"));

  pb::VerifyCertificateResponse verified;
  EXPECT_TRUE(IsInvalidField(front_.Call(kAnonymous, &EnrollmentApi::VerifyCertificate,
                                         pb::VerifyCertificateRequest(), &verified),
                             "number"));

  EXPECT_EQ(directory_.calls(), 0);
  EXPECT_TRUE(store_.data().trainees.empty());
  EXPECT_TRUE(store_.ledger().claims().empty());
}

}  // namespace
}  // namespace luban::enrollment
