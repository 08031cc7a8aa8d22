// The contract of Ledger::ListAudit (common/domain/ledger.h), the read of the audit trail that
// every service's stores share: db::SqlLedger under the MySQL stores, InMemoryLedger under the
// in-memory fakes. Each service's store test (tests/support/store_test.h) runs these checks
// against both of its backends, through the ledger of the store's own transactions:
//
//   TEST_P(CourseStoreTest, AuditTrailIsReadNewestFirstInPages) {
//     ExpectAuditTrailNewestFirstInPages(InLedger());
//   }
//
// Each check expects a store with no audit record yet (a fresh one per test) and fails the test
// with what differed.
#ifndef LUBAN_TESTS_SUPPORT_AUDIT_TRAIL_CONTRACT_H_
#define LUBAN_TESTS_SUPPORT_AUDIT_TRAIL_CONTRACT_H_

#include <functional>

#include "absl/status/status.h"
#include "common/domain/ledger.h"

namespace luban::testing {

// Runs `body` with the ledger of one transaction of the store under test: committed when `body`
// returns OK, rolled back otherwise; returns the transaction's status.
using LedgerTransactions =
    std::function<absl::Status(const std::function<absl::Status(Ledger&)>& body)>;

// Newest first (id descending) in pages that follow each other by before_id, `more` exactly while
// older records remain; every field as written (UTF-8 byte-exact), the time to the microsecond.
void ExpectAuditTrailNewestFirstInPages(const LedgerTransactions& transactions);
// With a resource name: only that record's history (not a record whose name merely starts the
// same), newest first, paged the same way; a record without history reads as an empty page.
void ExpectAuditTrailOfOneRecord(const LedgerTransactions& transactions);
// The records of the current transaction are read in it; those of a rolled-back one never; a
// limit below 1 is INVALID_ARGUMENT.
void ExpectAuditTrailOfCommittedTransactions(const LedgerTransactions& transactions);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_AUDIT_TRAIL_CONTRACT_H_
