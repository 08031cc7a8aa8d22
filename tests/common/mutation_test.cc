#include "common/api/mutation.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/domain/ledger.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.pb.h"

namespace luban {
namespace {

using ::luban::course::v1::CreateWorkshopRequest;
using ::luban::course::v1::Workshop;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

RequestContext Context(const std::string& actor, const std::string& request_id) {
  RequestContext rc;
  rc.principal = Principal{actor, Role::kCollegeAdmin, 7};
  rc.method = "/luban.course.v1.CourseService/CreateWorkshop";
  rc.request_id = request_id;
  return rc;
}

CreateWorkshopRequest Create(const std::string& city, const std::string& request_id) {
  CreateWorkshopRequest request;
  request.set_request_id(request_id);
  Workshop* workshop = request.mutable_workshop();
  workshop->set_country_code("TJ");
  workshop->set_city(city);
  auto* name = workshop->add_display_names();
  name->set_language_code("tg");
  name->set_text("Устохонаи Лубан");
  workshop->add_disciplines("urban rail");
  workshop->add_disciplines("CNC");
  return request;
}

TEST(MakeRequestKeyTest, SameRequestSameKey) {
  const RequestKey a = MakeRequestKey(Context("tju-admin", "r-1"), Create("Душанбе", "r-1"));
  const RequestKey b = MakeRequestKey(Context("tju-admin", "r-1"), Create("Душанбе", "r-1"));
  EXPECT_EQ(a.actor, "tju-admin");
  EXPECT_EQ(a.request_id, "r-1");
  EXPECT_EQ(a.method, "/luban.course.v1.CourseService/CreateWorkshop");
  EXPECT_EQ(a.request_hash.size(), 32u);
  EXPECT_EQ(a.request_hash, b.request_hash);
}

TEST(MakeRequestKeyTest, DifferentRequestDifferentHash) {
  const RequestContext rc = Context("tju-admin", "r-1");
  const RequestKey base = MakeRequestKey(rc, Create("Душанбе", "r-1"));
  EXPECT_NE(MakeRequestKey(rc, Create("Хуҷанд", "r-1")).request_hash, base.request_hash);

  CreateWorkshopRequest reordered = Create("Душанбе", "r-1");
  reordered.mutable_workshop()->mutable_disciplines()->SwapElements(0, 1);
  EXPECT_NE(MakeRequestKey(rc, reordered).request_hash, base.request_hash);
}

TEST(MakeRequestKeyTest, ScopedToTheCaller) {
  const RequestKey a = MakeRequestKey(Context("tju-admin", "r-1"), Create("Душанбе", "r-1"));
  const RequestKey b = MakeRequestKey(Context("ttu-admin", "r-1"), Create("Душанбе", "r-1"));
  EXPECT_NE(a.actor, b.actor);
}

// Records what ChangeRecorder writes.
class RecordingLedger final : public Ledger {
 public:
  absl::StatusOr<std::optional<std::string>> ClaimRequest(const RequestKey&) override {
    return std::nullopt;
  }
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey&) override {
    return std::nullopt;
  }
  absl::Status SaveResponse(const RequestKey&, absl::string_view) override {
    return absl::OkStatus();
  }
  absl::Status Audit(const AuditRecord& record) override {
    calls.push_back("audit " + record.resource_name);
    audits.push_back(record);
    return absl::OkStatus();
  }
  absl::StatusOr<Page<StoredAuditRecord>> ListAudit(absl::string_view, int64_t, int) override {
    return absl::UnimplementedError("ChangeRecorder only writes");
  }
  absl::Status PublishChange(const ChangeRecord& record) override {
    calls.push_back("publish " + record.resource_name);
    changes.push_back(record);
    return absl::OkStatus();
  }

  std::vector<std::string> calls;
  std::vector<AuditRecord> audits;
  std::vector<ChangeRecord> changes;
};

TEST(ChangeRecorderTest, AuditsThenPublishesEveryChange) {
  Workshop a;
  a.set_name("workshops/1");
  a.set_city("Душанбе");
  Workshop b;
  b.set_name("workshops/2");
  ChangeRecorder recorder;
  recorder.Record("workshops", "workshops/1", ChangeKind::kCreated, a, "created", {3, 7});
  recorder.Record("workshops", "workshops/2", ChangeKind::kUpdated, b, "status:operating", {});

  RecordingLedger ledger;
  const RequestContext rc = Context("tju-admin", "r-9");
  ASSERT_TRUE(recorder.Flush(ledger, rc, Create("Душанбе", "r-9")).ok());

  // The feed last: publishing holds the feed's head until commit.
  EXPECT_THAT(ledger.calls, ElementsAre("audit workshops/1", "audit workshops/2",
                                        "publish workshops/1", "publish workshops/2"));
  ASSERT_EQ(ledger.audits.size(), 2u);
  EXPECT_EQ(ledger.audits[0].actor, "tju-admin");
  EXPECT_EQ(ledger.audits[0].actor_role, RoleName(Role::kCollegeAdmin));
  EXPECT_EQ(ledger.audits[0].request_id, "r-9");
  EXPECT_EQ(ledger.audits[0].method, rc.method);
  EXPECT_EQ(ledger.audits[0].action, "created");
  EXPECT_EQ(ledger.audits[1].action, "status:operating");
  EXPECT_THAT(ledger.audits[0].details, HasSubstr("Душанбе"));

  ASSERT_EQ(ledger.changes.size(), 2u);
  EXPECT_EQ(ledger.changes[0].resource_type, "workshops");
  EXPECT_EQ(ledger.changes[0].kind, ChangeKind::kCreated);
  EXPECT_EQ(ledger.changes[0].request_id, "r-9");
  EXPECT_EQ(ledger.changes[0].actor, "tju-admin");
  EXPECT_EQ(ledger.changes[0].owners.first, 3);
  EXPECT_EQ(ledger.changes[0].owners.second, 7);
  EXPECT_EQ(ledger.changes[1].owners.first, 0);
  google::protobuf::Any any;
  ASSERT_TRUE(any.ParseFromString(ledger.changes[0].payload));
  Workshop state;
  ASSERT_TRUE(any.UnpackTo(&state));
  EXPECT_EQ(state.city(), "Душанбе");
}

TEST(ChangeRecorderTest, AMutationThatRecordsNothingIsABug) {
  ChangeRecorder recorder;
  RecordingLedger ledger;
  const absl::Status status =
      recorder.Flush(ledger, Context("tju-admin", "r-1"), Create("Душанбе", "r-1"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(ledger.calls.empty());
}

}  // namespace
}  // namespace luban
