#include "common/server/change_feed.h"

#include <algorithm>

#include "common/db/sql_ledger.h"
#include "common/db/transaction.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"

namespace luban {

ChangeFeedHub::ChangeFeedHub(db::ConnectionPool* pool, BoundedExecutor* executor,
                             absl::Duration poll_interval, absl::Duration heartbeat)
    : pool_(pool),
      executor_(executor),
      poll_interval_(poll_interval),
      heartbeat_(heartbeat),
      thread_([this] { Loop(); }) {
  pool_->SetChangesCommittedListener([this] {
    absl::MutexLock lock(&mu_);
    nudged_ = true;
  });
}

bool ChangeFeedHub::TryOpenStream() {
  absl::MutexLock lock(&mu_);
  if (open_streams_ >= kMaxStreams) return false;
  ++open_streams_;
  return true;
}

void ChangeFeedHub::StreamEnded() {
  absl::MutexLock lock(&mu_);
  --open_streams_;
}

int ChangeFeedHub::open_streams() const {
  absl::MutexLock lock(&mu_);
  return open_streams_;
}

ChangeFeedHub::~ChangeFeedHub() {
  pool_->SetChangesCommittedListener(nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::StatusOr<FeedBatch> ChangeFeedHub::Read(int64_t after_sequence, const ChangeFilter& filter,
                                              int limit, absl::Time deadline) {
  FeedBatch batch;
  if (limit <= 0) return absl::InvalidArgumentError("max_batch_size: must be positive");
  auto status = db::RunInTransaction(
      *pool_, {.context = "read the change feed", .deadline = deadline},
      [&](db::Session& session) -> absl::Status {
        return db::Guarded(session, "read the change feed", [&]() -> absl::Status {
          // Head first, in the same snapshot: everything up to it is committed and visible.
          const int64_t head = db::LastChangeSequence(session);
          batch.changes = db::ReadChanges(session, after_sequence, filter, limit);
          while (!batch.changes.empty() && batch.changes.back().sequence > head) {
            batch.changes.pop_back();
          }
          batch.last_sequence = static_cast<int>(batch.changes.size()) >= limit
                                    ? batch.changes.back().sequence
                                    : std::max(head, after_sequence);
          return absl::OkStatus();
        });
      });
  if (!status.ok()) return status;
  return batch;
}

int64_t ChangeFeedHub::WaitBeyond(int64_t after_sequence, std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  const int64_t ticket = next_ticket_++;
  // While shutting down a wait ends at the next tick, where the stream learns why.
  waiters_.push_back(Waiter{ticket, after_sequence,
                            shutting_down_ ? absl::InfinitePast() : absl::Now(), std::move(wake)});
  return ticket;
}

void ChangeFeedHub::BeginShutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  for (Waiter& waiter : waiters_) waiter.since = absl::InfinitePast();  // due at the next tick
}

bool ChangeFeedHub::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

bool ChangeFeedHub::Cancel(int64_t ticket) {
  absl::MutexLock lock(&mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(),
                         [&](const Waiter& w) { return w.ticket == ticket; });
  if (it == waiters_.end()) return false;
  waiters_.erase(it);
  return true;
}

void ChangeFeedHub::Loop() {
  // Commits that come close together are numbered together: a pass costs five statements, so
  // one per commit would add half again to a busy service's database work, for a feed that is
  // read in batches anyway.
  constexpr absl::Duration kBatchWindow = absl::Milliseconds(10);
  constexpr absl::Duration kSweepInterval = absl::Seconds(1);
  absl::Time last_pass = absl::InfinitePast();
  while (true) {
    bool sequence = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(this, &ChangeFeedHub::ShouldWake),
                            absl::Now() + poll_interval_);
      if (nudged_ && absl::Now() < last_pass + kBatchWindow) {
        mu_.AwaitWithDeadline(absl::Condition(&stopping_), last_pass + kBatchWindow);
      }
      if (stopping_) return;
      sequence = nudged_ || absl::Now() - last_pass >= kSweepInterval;
      nudged_ = false;
    }
    if (sequence) {
      last_pass = absl::Now();
      // The database is down: the next sweep tries again.
      db::NumberCommittedChanges(*pool_).IgnoreError();
    }
    {
      absl::MutexLock lock(&mu_);
      if (waiters_.empty()) continue;
    }
    int64_t head = -1;
    db::RunInTransaction(*pool_, {.context = "poll the change feed"},
                         [&](db::Session& session) -> absl::Status {
                           return db::Guarded(session, "poll the change feed",
                                              [&]() -> absl::Status {
                                                head = db::LastChangeSequence(session);
                                                return absl::OkStatus();
                                              });
                         })
        .IgnoreError();  // the database is down: streams wait; health reports it
    std::vector<Waiter> due;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      auto keep = std::partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
        return !(head > w.after_sequence || now - w.since >= heartbeat_);
      });
      std::move(keep, waiters_.end(), std::back_inserter(due));
      waiters_.erase(keep, waiters_.end());
    }
    for (Waiter& waiter : due) {
      if (!executor_->TrySubmit(waiter.wake)) {
        // Busy: try again next tick.
        absl::MutexLock lock(&mu_);
        waiters_.push_back(std::move(waiter));
      }
    }
  }
}

}  // namespace luban
