// The transactional store a service's domain logic works through.
//
// `Tx` is the service's repository interface for one transaction (e.g. CourseTx); it exposes the
// platform Ledger through `Ledger& ledger()`. InTransaction runs `body` as one database
// transaction: committed when it returns OK, rolled back otherwise, re-run from the start on a
// deadlock or lock timeout. Implementations: the MySQL store of each service, and in-memory
// fakes for unit tests of domain rules.
#ifndef LUBAN_COMMON_DOMAIN_STORE_H_
#define LUBAN_COMMON_DOMAIN_STORE_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace luban {

template <typename Tx>
class TransactionalStore {
 public:
  virtual ~TransactionalStore() = default;
  virtual absl::Status InTransaction(absl::string_view context, absl::Time deadline,
                                     absl::FunctionRef<absl::Status(Tx&)> body) = 0;

  // Runs `body`, a read that writes nothing, as InTransaction does; the MySQL stores run a body
  // that reads with one statement as that statement alone, in one round trip (db::RunSingleRead),
  // and any other in a transaction. For the Get methods' reads and the ledger's look-up of a
  // retried mutation (PeerMutation::Answered).
  virtual absl::Status InSingleRead(absl::string_view context, absl::Time deadline,
                                    absl::FunctionRef<absl::Status(Tx&)> body) {
    return InTransaction(context, deadline, body);
  }
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_STORE_H_
