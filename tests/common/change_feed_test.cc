// ChangeFeedHub against a real MariaDB: batch reads bounded by the committed head, and waiters.
#include "common/server/change_feed.h"

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/db/sql_ledger.h"
#include "common/db/transaction.h"
#include "common/server/executor.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
#include "gtest/gtest.h"
#include "luban/common/v1/types.pb.h"
#include "luban/course/v1/course.pb.h"
#include "tests/support/test_database.h"

namespace luban {
namespace {

using ::testing::ElementsAre;

std::vector<int64_t> Sequences(const FeedBatch& batch) {
  std::vector<int64_t> sequences;
  for (const auto& change : batch.changes) sequences.push_back(change.sequence);
  return sequences;
}

absl::Time Soon() { return absl::Now() + absl::Seconds(30); }

class ChangeFeedTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pool_ = std::make_unique<db::ConnectionPool>(Config(4));
    auto migrated = db::Migrate(*pool_, {&db::PlatformMigrations()});
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    executor_ = std::make_unique<BoundedExecutor>(2, 16);
  }
  void TearDown() override {
    hub_.reset();  // before what it uses
    executor_.reset();
    pool_.reset();
    DatabaseTest::TearDown();
  }

  ChangeFeedHub& Hub(absl::Duration heartbeat = absl::Hours(1)) {
    hub_ = std::make_unique<ChangeFeedHub>(pool_.get(), executor_.get(), absl::Milliseconds(5),
                                           heartbeat);
    return *hub_;
  }

  // Commits one event; numbered at once (as the hub soon would) unless `number` is false.
  absl::Status Publish(const std::string& type, int id, bool number = true) {
    absl::Status status =
        db::RunInTransaction(*pool_, {.context = "publish"}, [&](db::Session& session) {
          return db::Guarded(session, "publish", [&] {
            db::SqlLedger ledger(session);
            return ledger.PublishChange(ChangeRecord{
                type, absl::StrCat(type, "/", id), ChangeKind::kCreated, "", "r", "tju-admin", {}});
          });
        });
    if (status.ok() && number) status = db::NumberCommittedChanges(*pool_);
    return status;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<ChangeFeedHub> hub_;
};

TEST_F(ChangeFeedTest, EmptyFeed) {
  auto batch = Hub().Read(0, {}, 10, Soon());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_TRUE(batch->changes.empty());
  EXPECT_EQ(batch->last_sequence, 0);
}

TEST_F(ChangeFeedTest, LastSequenceIsWhereTheNextReadResumes) {
  // 1 workshops, 2 courseRuns, 3 workshops, 4 courseRuns, 5 courses
  for (const char* type : {"workshops", "courseRuns", "workshops", "courseRuns", "courses"}) {
    ASSERT_TRUE(Publish(type, 1).ok());
  }
  ChangeFeedHub& hub = Hub();

  auto all = hub.Read(0, {}, 10, Soon());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Sequences(*all), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(all->last_sequence, 5);

  // A full batch: resume after its last change.
  auto page = hub.Read(0, {}, 2, Soon());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Sequences(*page), ElementsAre(1, 2));
  EXPECT_EQ(page->last_sequence, 2);
  page = hub.Read(page->last_sequence, {}, 2, Soon());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Sequences(*page), ElementsAre(3, 4));

  // Filtered: everything up to the head was examined, even events of other types.
  auto runs = hub.Read(0, {{"courseRuns"}, std::nullopt}, 10, Soon());
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_THAT(Sequences(*runs), ElementsAre(2, 4));
  EXPECT_EQ(runs->last_sequence, 5);

  auto first_run = hub.Read(0, {{"courseRuns"}, std::nullopt}, 1, Soon());
  ASSERT_TRUE(first_run.ok()) << first_run.status();
  EXPECT_THAT(Sequences(*first_run), ElementsAre(2));
  EXPECT_EQ(first_run->last_sequence, 2);

  auto none = hub.Read(0, {{"enrollments"}, std::nullopt}, 10, Soon());
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->changes.empty());
  EXPECT_EQ(none->last_sequence, 5);

  auto caught_up = hub.Read(5, {}, 10, Soon());
  ASSERT_TRUE(caught_up.ok()) << caught_up.status();
  EXPECT_TRUE(caught_up->changes.empty());
  EXPECT_EQ(caught_up->last_sequence, 5);

  // A cursor past the head never moves backwards.
  auto ahead = hub.Read(9, {}, 10, Soon());
  ASSERT_TRUE(ahead.ok()) << ahead.status();
  EXPECT_EQ(ahead->last_sequence, 9);
}

TEST_F(ChangeFeedTest, UncommittedChangesAreNotRead) {
  ASSERT_TRUE(Publish("courseRuns", 1).ok());
  ChangeFeedHub& hub = Hub();

  absl::Notification published;
  absl::Notification commit;
  absl::Status writer_status;
  std::thread writer([&] {
    writer_status =
        db::RunInTransaction(*pool_, {.context = "slow publish"}, [&](db::Session& session) {
          absl::Status s = db::Guarded(session, "publish", [&] {
            db::SqlLedger ledger(session);
            return ledger.PublishChange(
                ChangeRecord{"courseRuns", "courseRuns/2", ChangeKind::kUpdated, "", "r", "a", {}});
          });
          published.Notify();
          commit.WaitForNotification();
          return s;
        });
  });
  published.WaitForNotification();
  auto during = hub.Read(0, {}, 10, Soon());
  commit.Notify();
  writer.join();
  ASSERT_TRUE(writer_status.ok()) << writer_status;
  ASSERT_TRUE(db::NumberCommittedChanges(*pool_).ok());

  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_THAT(Sequences(*during), ElementsAre(1));
  EXPECT_EQ(during->last_sequence, 1);

  auto after = hub.Read(during->last_sequence, {}, 10, Soon());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(Sequences(*after), ElementsAre(2));
  EXPECT_EQ(after->last_sequence, 2);
}

TEST_F(ChangeFeedTest, WaitersWakeWhenTheHeadPassesTheirCursor) {
  ASSERT_TRUE(Publish("courseRuns", 1).ok());
  ChangeFeedHub& hub = Hub();

  absl::Notification behind_woken;   // cursor 0, head 1: due at once
  absl::Notification current_woken;  // cursor 1: due after the next commit
  hub.WaitBeyond(0, [&] { behind_woken.Notify(); });
  const int64_t current = hub.WaitBeyond(1, [&] { current_woken.Notify(); });
  ASSERT_TRUE(behind_woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // The head has not passed 1 and the heartbeat is an hour away.
  EXPECT_FALSE(current_woken.HasBeenNotified());

  ASSERT_TRUE(Publish("courseRuns", 2).ok());
  ASSERT_TRUE(current_woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_FALSE(hub.Cancel(current));  // already woken
}

TEST_F(ChangeFeedTest, TheHubNumbersEventsAsSoonAsTheyCommit) {
  // Polls and sweeps an hour apart: only the commit's notice can get the event numbered.
  hub_ =
      std::make_unique<ChangeFeedHub>(pool_.get(), executor_.get(), absl::Hours(1), absl::Hours(1));
  absl::Notification woken;
  hub_->WaitBeyond(0, [&] { woken.Notify(); });
  ASSERT_TRUE(Publish("courseRuns", 1, /*number=*/false).ok());
  ASSERT_TRUE(woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  auto batch = hub_->Read(0, {}, 10, Soon());
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_THAT(Sequences(*batch), ElementsAre(1));
  EXPECT_EQ(batch->last_sequence, 1);
}

TEST_F(ChangeFeedTest, CancelledWaiterIsNeverWoken) {
  ChangeFeedHub& hub = Hub();
  absl::Notification cancelled_woken;
  absl::Notification other_woken;
  const int64_t ticket = hub.WaitBeyond(0, [&] { cancelled_woken.Notify(); });
  EXPECT_TRUE(hub.Cancel(ticket));
  EXPECT_FALSE(hub.Cancel(ticket));
  hub.WaitBeyond(0, [&] { other_woken.Notify(); });
  ASSERT_TRUE(Publish("courseRuns", 1).ok());
  ASSERT_TRUE(other_woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_FALSE(cancelled_woken.HasBeenNotified());
}

TEST_F(ChangeFeedTest, HeartbeatWakesAnIdleWaiter) {
  ChangeFeedHub& hub = Hub(/*heartbeat=*/absl::ZeroDuration());
  absl::Notification woken;
  hub.WaitBeyond(100, [&] { woken.Notify(); });
  EXPECT_TRUE(woken.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

TEST(FillFeedResponseTest, CopiesEveryField) {
  luban::common::v1::LocalizedString state;
  state.set_language_code("tg");
  state.set_text("Ҷумъа");
  google::protobuf::Any any;
  any.PackFrom(state);

  FeedBatch batch;
  StoredChange change;
  change.sequence = 7;
  change.time = absl::FromUnixMicros(1668384000123456);
  change.record = ChangeRecord{"courseRuns",
                               "courseRuns/3",
                               ChangeKind::kDeleted,
                               any.SerializeAsString(),
                               "req-1",
                               "tju-admin",
                               {}};
  batch.changes.push_back(change);
  batch.last_sequence = 9;

  luban::course::v1::WatchChangesResponse response;
  response.add_events()->set_sequence(1);  // stale content is cleared
  FillFeedResponse(batch, &response);
  ASSERT_EQ(response.events_size(), 1);
  const auto& event = response.events(0);
  EXPECT_EQ(event.sequence(), 7);
  EXPECT_EQ(event.time().seconds(), 1668384000);
  EXPECT_EQ(event.time().nanos(), 123456000);
  EXPECT_EQ(event.resource_type(), "courseRuns");
  EXPECT_EQ(event.resource_name(), "courseRuns/3");
  EXPECT_EQ(event.change_type(), luban::common::v1::CHANGE_TYPE_DELETED);
  EXPECT_EQ(event.request_id(), "req-1");
  EXPECT_EQ(event.actor(), "tju-admin");
  luban::common::v1::LocalizedString unpacked;
  ASSERT_TRUE(event.resource().UnpackTo(&unpacked));
  EXPECT_EQ(unpacked.text(), "Ҷумъа");
  EXPECT_EQ(response.last_sequence(), 9);
}

}  // namespace
}  // namespace luban
