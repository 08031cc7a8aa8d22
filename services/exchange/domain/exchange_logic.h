// The exchange service's rules, free of gRPC and SQL. Every method runs inside the caller's
// transaction; what the peers know (institutions, a trainee's standing) is asked by the caller
// before the transaction and passed in.
//
// Quota: approving takes a place with a conditional update of the programme's count
// (ExchangeTx::TakeQuotaPlace), so no concurrency can approve past the quota; cancelling an
// approved or departed mobility gives its place back.
//
// Sides: the programme's direction says which institution sends and which receives. Sending
// admins nominate, record departures and returns; receiving admins approve, reject and reopen;
// either side cancels. Both sides see the programme and its mobilities; other colleges get
// NOT_FOUND, as if it did not exist. Network admins act for either side.
#ifndef LUBAN_SERVICES_EXCHANGE_DOMAIN_EXCHANGE_LOGIC_H_
#define LUBAN_SERVICES_EXCHANGE_DOMAIN_EXCHANGE_LOGIC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/clock.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"
#include "services/exchange/domain/model.h"
#include "services/exchange/domain/peers.h"
#include "services/exchange/domain/repository.h"

namespace luban::exchange {

// Who a nominated participant is, as checked with the peers.
struct Nominee {
  std::optional<int64_t> trainee_id;
  std::optional<Teacher> teacher;
  TraineeStanding standing;  // for a trainee: from the enrollment service
  WorkshopFounders home;     // for a trainee: founders of the home workshop
};

// A programme's status change and the mobilities it cancelled.
struct ProgrammeChange {
  Programme programme;
  std::vector<Mobility> cancelled;
};

struct ExchangeConfig {
  // Creation and update times, the times of a mobility's decisions.
  Clock clock;
};

class ExchangeLogic {
 public:
  explicit ExchangeLogic(ExchangeConfig config = {}) : config_(std::move(config)) {}

  absl::StatusOr<Programme> GetProgramme(ExchangeTx& tx, const Principal& who, int64_t id) const;
  absl::StatusOr<Page<Programme>> ListProgrammes(ExchangeTx& tx, const Principal& who,
                                                 ProgrammeFilter filter, int64_t after_id,
                                                 int limit) const;
  // `chinese` and `partner` are the institutions as the course service has them.
  absl::StatusOr<Programme> CreateProgramme(ExchangeTx& tx, const Principal& who, Programme draft,
                                            const InstitutionInfo& chinese,
                                            const InstitutionInfo& partner) const;
  absl::StatusOr<Programme> UpdateProgramme(ExchangeTx& tx, const Principal& who, int64_t id,
                                            std::optional<int64_t> expected_version,
                                            const ProgrammePatch& patch) const;
  // planned -> open -> closed -> completed; planned, open or closed -> cancelled (cancelling
  // its nominated and approved mobilities).
  absl::StatusOr<ProgrammeChange> ChangeProgrammeStatus(ExchangeTx& tx, const Principal& who,
                                                        int64_t id,
                                                        std::optional<int64_t> expected_version,
                                                        ProgrammeStatus target) const;

  absl::StatusOr<Mobility> GetMobility(ExchangeTx& tx, const Principal& who, int64_t id) const;
  absl::StatusOr<Page<Mobility>> ListMobilities(ExchangeTx& tx, const Principal& who,
                                                MobilityFilter filter, int64_t after_id,
                                                int limit) const;
  absl::StatusOr<Mobility> Nominate(ExchangeTx& tx, const Principal& who, int64_t programme_id,
                                    const Nominee& nominee, const std::string& reason) const;
  // Moves a mobility to `target` along its lifecycle, for the side allowed to take that step.
  absl::StatusOr<Mobility> Decide(ExchangeTx& tx, const Principal& who, int64_t id,
                                  std::optional<int64_t> expected_version, MobilityState target,
                                  const std::string& reason) const;

  // The audit trail as `who` may read it (common/domain/audit_trail.h): a college admin reads
  // the history of a programme or a mobility that GetProgramme or GetMobility shows it; any
  // other is NOT_FOUND.
  absl::StatusOr<Page<StoredAuditRecord>> ListAuditRecords(
      ExchangeTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
      int64_t before_id, int limit) const;

 private:
  absl::StatusOr<Programme> VisibleProgramme(ExchangeTx& tx, const Principal& who, int64_t id,
                                             bool for_update) const;
  absl::Status CheckProgramme(const Programme& programme) const;

  ExchangeConfig config_;
};

absl::string_view MobilityStateName(MobilityState state);
absl::string_view ProgrammeStatusName(ProgrammeStatus status);

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_DOMAIN_EXCHANGE_LOGIC_H_
