#include "services/exchange/domain/exchange_logic.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/domain/audit_trail.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban::exchange {
namespace {

bool TakesTeachers(ProgrammeKind kind) {
  return kind == ProgrammeKind::kTeacherTraining || kind == ProgrammeKind::kTechnicalExchange;
}

bool ActsFor(const Principal& who, int64_t institution_id) {
  return who.IsNetworkAdmin() || (who.IsCollegeAdmin() && who.institution_id == institution_id);
}

// Which side takes each step, and from which states.
struct Step {
  MobilityState target;
  std::vector<MobilityState> from;
  enum Side { kSending, kReceiving, kEither } side;
  bool reason_required;
};

const Step* FindStep(MobilityState target) {
  static const std::vector<Step>* const kSteps = new std::vector<Step>{
      {MobilityState::kApproved, {MobilityState::kNominated}, Step::kReceiving, false},
      {MobilityState::kRejected, {MobilityState::kNominated}, Step::kReceiving, true},
      {MobilityState::kNominated, {MobilityState::kRejected}, Step::kReceiving, true},
      {MobilityState::kDeparted, {MobilityState::kApproved}, Step::kSending, false},
      {MobilityState::kReturned, {MobilityState::kDeparted}, Step::kSending, false},
      {MobilityState::kCancelled,
       {MobilityState::kNominated, MobilityState::kApproved, MobilityState::kDeparted},
       Step::kEither,
       true},
  };
  for (const Step& step : *kSteps) {
    if (step.target == target) return &step;
  }
  return nullptr;
}

}  // namespace

absl::string_view MobilityStateName(MobilityState state) {
  switch (state) {
    case MobilityState::kNominated:
      return "nominated";
    case MobilityState::kApproved:
      return "approved";
    case MobilityState::kRejected:
      return "rejected";
    case MobilityState::kDeparted:
      return "departed";
    case MobilityState::kReturned:
      return "returned";
    case MobilityState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

absl::string_view ProgrammeStatusName(ProgrammeStatus status) {
  switch (status) {
    case ProgrammeStatus::kPlanned:
      return "planned";
    case ProgrammeStatus::kOpen:
      return "open";
    case ProgrammeStatus::kClosed:
      return "closed";
    case ProgrammeStatus::kCompleted:
      return "completed";
    case ProgrammeStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

absl::Status ExchangeLogic::CheckProgramme(const Programme& p) const {
  LUBAN_RETURN_IF_ERROR(CheckLocalizedTexts("titles", p.titles));
  if (p.end_date < p.start_date) return InvalidField("end_date", "must be on or after start_date");
  if (p.quota < 1 || p.quota > 1000) return InvalidField("quota", "1..1000 places");
  if (p.quota < p.approved_count) {
    return absl::FailedPreconditionError(
        absl::StrCat("quota: ", p.approved_count,
                     " mobilities are already approved; the quota cannot be "
                     "lower"));
  }
  if (p.requirement.completed_course_id && !p.requirement.certificate_discipline.empty()) {
    return InvalidField("requirement", "a completed course or a certificate discipline, not both");
  }
  if (!p.requirement.certificate_discipline.empty()) {
    if (auto s = CheckText("requirement.certificate_discipline",
                           p.requirement.certificate_discipline, 1, 100);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Programme> ExchangeLogic::VisibleProgramme(ExchangeTx& tx, const Principal& who,
                                                          int64_t id, bool for_update) const {
  LUBAN_ASSIGN_OR_RETURN(auto programme, tx.GetProgramme(id, for_update));
  if (who.ReadsEverything() || (who.IsCollegeAdmin() && programme.Involves(who.institution_id))) {
    return programme;
  }
  return ResourceNotFound(kProgrammes, id);
}

absl::StatusOr<Programme> ExchangeLogic::GetProgramme(ExchangeTx& tx, const Principal& who,
                                                      int64_t id) const {
  return VisibleProgramme(tx, who, id, /*for_update=*/false);
}

absl::StatusOr<Page<Programme>> ExchangeLogic::ListProgrammes(ExchangeTx& tx, const Principal& who,
                                                              ProgrammeFilter filter,
                                                              int64_t after_id, int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListProgrammes(filter, after_id, limit);
}

absl::StatusOr<Programme> ExchangeLogic::CreateProgramme(ExchangeTx& tx, const Principal& who,
                                                         Programme draft,
                                                         const InstitutionInfo& chinese,
                                                         const InstitutionInfo& partner) const {
  if (!who.IsNetworkAdmin() && !draft.Involves(who.institution_id)) {
    return absl::PermissionDeniedError(
        "a college admin creates programmes of its own institution only");
  }
  if (chinese.kind != InstitutionKind::kChineseCollege) {
    return InvalidField("chinese_institution", "must be a Chinese college");
  }
  if (partner.kind != InstitutionKind::kLocalPartner) {
    return InvalidField("partner_institution", "must be a local partner institution");
  }
  draft.partner_country = partner.country;
  draft.approved_count = 0;
  draft.status = ProgrammeStatus::kPlanned;
  LUBAN_RETURN_IF_ERROR(CheckProgramme(draft));
  draft.meta.Stamp(config_.clock.Now());
  LUBAN_ASSIGN_OR_RETURN(auto id, tx.InsertProgramme(draft));
  draft.meta.id = id;
  return draft;
}

absl::StatusOr<Programme> ExchangeLogic::UpdateProgramme(ExchangeTx& tx, const Principal& who,
                                                         int64_t id,
                                                         std::optional<int64_t> expected_version,
                                                         const ProgrammePatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(auto programme, VisibleProgramme(tx, who, id, /*for_update=*/true));
  const std::string name = FormatResourceName(kProgrammes, id);
  if (!who.IsNetworkAdmin() && !who.IsCollegeAdmin()) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change programmes"));
  }
  LUBAN_RETURN_IF_ERROR(CheckVersion(name, expected_version, programme.meta.version));
  if (programme.status == ProgrammeStatus::kCompleted ||
      programme.status == ProgrammeStatus::kCancelled) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " is ", ProgrammeStatusName(programme.status), " and can no longer change"));
  }
  if (patch.titles) programme.titles = *patch.titles;
  if (patch.start_date) programme.start_date = *patch.start_date;
  if (patch.end_date) programme.end_date = *patch.end_date;
  if (patch.quota) programme.quota = *patch.quota;
  if (patch.requirement) programme.requirement = *patch.requirement;
  if (patch.course_run_id) programme.course_run_id = *patch.course_run_id;
  LUBAN_RETURN_IF_ERROR(CheckProgramme(programme));
  programme.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateProgramme(programme));
  return programme;
}

absl::StatusOr<ProgrammeChange> ExchangeLogic::ChangeProgrammeStatus(
    ExchangeTx& tx, const Principal& who, int64_t id, std::optional<int64_t> expected_version,
    ProgrammeStatus target) const {
  LUBAN_ASSIGN_OR_RETURN(auto programme, VisibleProgramme(tx, who, id, /*for_update=*/true));
  const std::string name = FormatResourceName(kProgrammes, id);
  if (!who.IsNetworkAdmin() && !who.IsCollegeAdmin()) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change programmes"));
  }
  LUBAN_RETURN_IF_ERROR(CheckVersion(name, expected_version, programme.meta.version));
  const ProgrammeStatus from = programme.status;
  bool allowed = false;
  switch (target) {
    case ProgrammeStatus::kOpen:
      allowed = from == ProgrammeStatus::kPlanned;
      break;
    case ProgrammeStatus::kClosed:
      allowed = from == ProgrammeStatus::kOpen;
      break;
    case ProgrammeStatus::kCompleted:
      allowed = from == ProgrammeStatus::kClosed;
      break;
    case ProgrammeStatus::kCancelled:
      allowed = from == ProgrammeStatus::kPlanned || from == ProgrammeStatus::kOpen ||
                from == ProgrammeStatus::kClosed;
      break;
    case ProgrammeStatus::kPlanned:
      allowed = false;
      break;
  }
  if (!allowed) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is ", ProgrammeStatusName(from),
                                                      " and cannot become ",
                                                      ProgrammeStatusName(target)));
  }
  ProgrammeChange change;
  if (target == ProgrammeStatus::kCancelled) {
    // Nominations and approvals end with the programme; journeys under way go on to their end.
    MobilityFilter filter;
    filter.programme_id = id;
    int64_t after = 0;
    while (true) {
      LUBAN_ASSIGN_OR_RETURN(auto page, tx.ListMobilities(filter, after, 500));
      for (Mobility& m : page.items) {
        after = m.meta.id;
        if (m.state != MobilityState::kNominated && m.state != MobilityState::kApproved) continue;
        if (m.state == MobilityState::kApproved) {
          LUBAN_RETURN_IF_ERROR(tx.ReleaseQuotaPlace(id));
          --programme.approved_count;
        }
        m.state = MobilityState::kCancelled;
        m.decisions.push_back({MobilityState::kCancelled, who.name, config_.clock.Now(),
                               "the programme was cancelled"});
        m.meta.Bump(config_.clock.Now());
        LUBAN_RETURN_IF_ERROR(tx.UpdateMobility(m));
        change.cancelled.push_back(std::move(m));
      }
      if (!page.more) break;
    }
  }
  programme.status = target;
  programme.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateProgramme(programme));
  change.programme = std::move(programme);
  return change;
}

absl::StatusOr<Mobility> ExchangeLogic::GetMobility(ExchangeTx& tx, const Principal& who,
                                                    int64_t id) const {
  LUBAN_ASSIGN_OR_RETURN(auto mobility, tx.GetMobility(id, /*for_update=*/false));
  if (who.ReadsEverything() ||
      (who.IsCollegeAdmin() && (who.institution_id == mobility.sending_institution_id ||
                                who.institution_id == mobility.receiving_institution_id))) {
    return mobility;
  }
  return ResourceNotFound(kMobilities, id);
}

absl::StatusOr<Page<Mobility>> ExchangeLogic::ListMobilities(ExchangeTx& tx, const Principal& who,
                                                             MobilityFilter filter,
                                                             int64_t after_id, int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListMobilities(filter, after_id, limit);
}

absl::StatusOr<Mobility> ExchangeLogic::Nominate(ExchangeTx& tx, const Principal& who,
                                                 int64_t programme_id, const Nominee& nominee,
                                                 const std::string& reason) const {
  LUBAN_RETURN_IF_ERROR(CheckText("reason", reason, 0, 1000, /*multiline=*/true));
  auto programme = VisibleProgramme(tx, who, programme_id, /*for_update=*/false);
  if (!programme.ok()) {
    return programme.status().code() == absl::StatusCode::kNotFound
               ? absl::NotFoundError(absl::StrCat("programme: ", programme.status().message()))
               : programme.status();
  }
  const int64_t sending = programme->sending_institution_id();
  if (!ActsFor(who, sending)) {
    return absl::PermissionDeniedError(
        "only an admin of the sending institution nominates participants");
  }
  if (programme->status != ProgrammeStatus::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat(
        FormatResourceName(kProgrammes, programme_id), " is ",
        ProgrammeStatusName(programme->status), "; nominations are taken while it is open"));
  }
  Mobility mobility;
  mobility.programme_id = programme_id;
  mobility.sending_institution_id = sending;
  mobility.receiving_institution_id = programme->receiving_institution_id();
  if (TakesTeachers(programme->kind)) {
    if (!nominee.teacher) {
      return InvalidField("participant", "this programme takes teachers, not trainees");
    }
    const Teacher& t = *nominee.teacher;
    LUBAN_RETURN_IF_ERROR(CheckText("teacher.full_name", t.full_name, 1, 200));
    LUBAN_RETURN_IF_ERROR(CheckText("teacher.full_name_latin", t.full_name_latin, 1, 200));
    LUBAN_RETURN_IF_ERROR(CheckText("teacher.position", t.position, 0, 200));
    mobility.teacher = t;
  } else {
    if (!nominee.trainee_id) {
      return InvalidField("participant", "this programme takes trainees, not teachers");
    }
    const std::string trainee = FormatResourceName(kTrainees, *nominee.trainee_id);
    // Where the trainee is registered before anything else about them: a college admin acts for
    // the sending institution, so a trainee registered elsewhere is another college's, and is
    // answered exactly like a missing one (its existence and standing are not theirs to learn).
    if (nominee.home.chinese_institution_id != sending &&
        nominee.home.partner_institution_id != sending) {
      if (!who.IsNetworkAdmin()) {
        return absl::NotFoundError(absl::StrCat("trainee: ", trainee, ": not found"));
      }
      return absl::FailedPreconditionError(
          absl::StrCat(trainee, " is not registered at a workshop of the sending institution"));
    }
    if (!nominee.standing.eligible) {
      return absl::FailedPreconditionError(
          absl::StrCat(trainee, " is not eligible: ", nominee.standing.reason));
    }
    mobility.trainee_id = nominee.trainee_id;
  }
  mobility.state = MobilityState::kNominated;
  mobility.decisions.push_back({MobilityState::kNominated, who.name, config_.clock.Now(), reason});
  mobility.meta.Stamp(config_.clock.Now());
  // The store's unique key refuses a second open mobility of a trainee in a programme, so the
  // insert is the check: one round trip less on every nomination.
  absl::StatusOr<int64_t> id = tx.InsertMobility(mobility);
  if (id.status().code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat(FormatResourceName(kTrainees, mobility.trainee_id.value_or(0)),
                     " is already nominated in ", FormatResourceName(kProgrammes, programme_id)));
  }
  if (!id.ok()) return id.status();
  mobility.meta.id = *id;
  return mobility;
}

absl::StatusOr<Mobility> ExchangeLogic::Decide(ExchangeTx& tx, const Principal& who, int64_t id,
                                               std::optional<int64_t> expected_version,
                                               MobilityState target,
                                               const std::string& reason) const {
  const Step* step = FindStep(target);
  if (step == nullptr) return InvalidField("state", "not a step a caller can take");
  if (auto s = CheckText("reason", reason, step->reason_required ? 1 : 0, 1000,
                         /*multiline=*/true);
      !s.ok()) {
    return s;
  }
  auto mobility = GetMobility(tx, who, id);  // visibility first: others learn nothing
  if (!mobility.ok()) return mobility.status();
  mobility = tx.GetMobility(id, /*for_update=*/true);
  if (!mobility.ok()) return mobility.status();
  const std::string name = FormatResourceName(kMobilities, id);
  LUBAN_RETURN_IF_ERROR(CheckVersion(name, expected_version, mobility->meta.version));
  const bool sending = ActsFor(who, mobility->sending_institution_id);
  const bool receiving = ActsFor(who, mobility->receiving_institution_id);
  if ((step->side == Step::kSending && !sending) ||
      (step->side == Step::kReceiving && !receiving) ||
      (step->side == Step::kEither && !sending && !receiving)) {
    return absl::PermissionDeniedError(
        absl::StrCat("only the ", step->side == Step::kSending ? "sending" : "receiving",
                     " institution's admins may make a mobility ", MobilityStateName(target)));
  }
  bool from_ok = false;
  for (MobilityState from : step->from) from_ok |= mobility->state == from;
  if (!from_ok) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is ", MobilityStateName(mobility->state), " and cannot become ",
                     MobilityStateName(target)));
  }
  if (target == MobilityState::kApproved) {
    LUBAN_ASSIGN_OR_RETURN(auto programme,
                           tx.GetProgramme(mobility->programme_id, /*for_update=*/false));
    if (programme.status != ProgrammeStatus::kOpen &&
        programme.status != ProgrammeStatus::kClosed) {
      return absl::FailedPreconditionError(
          absl::StrCat(FormatResourceName(kProgrammes, programme.meta.id), " is ",
                       ProgrammeStatusName(programme.status)));
    }
    LUBAN_ASSIGN_OR_RETURN(auto placed, tx.TakeQuotaPlace(mobility->programme_id));
    if (!placed) {
      return absl::FailedPreconditionError(
          absl::StrCat("the quota of ", FormatResourceName(kProgrammes, programme.meta.id),
                       " is full (", programme.quota, " places)"));
    }
  }
  if (target == MobilityState::kCancelled && HoldsQuota(mobility->state)) {
    LUBAN_RETURN_IF_ERROR(tx.ReleaseQuotaPlace(mobility->programme_id));
  }
  mobility->state = target;
  mobility->decisions.push_back({target, who.name, config_.clock.Now(), reason});
  mobility->meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateMobility(*mobility));
  return mobility;
}

absl::StatusOr<Page<StoredAuditRecord>> ExchangeLogic::ListAuditRecords(
    ExchangeTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
    int64_t before_id, int limit) const {
  return ReadAuditTrail(
      tx.ledger(), who, resource, before_id, limit, [&](const ResourceId& record) -> absl::Status {
        if (record.collection == kProgrammes) return GetProgramme(tx, who, record.id).status();
        if (record.collection == kMobilities) return GetMobility(tx, who, record.id).status();
        return InvalidField("resource", absl::StrCat(record.collection,
                                                     " are not records of the exchange service"));
      });
}

}  // namespace luban::exchange
