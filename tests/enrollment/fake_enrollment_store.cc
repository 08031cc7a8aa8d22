#include "tests/enrollment/fake_enrollment_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/domain/resource_name.h"

namespace luban::enrollment::testing {
namespace {

// Messages and codes as the MySQL store gives them.
absl::Status NotFound(absl::string_view collection, int64_t id) {
  return absl::NotFoundError(absl::StrCat(FormatResourceName(collection, id), ": not found"));
}

absl::Status CheckLimit(int limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit: must be at least 1");
  return absl::OkStatus();
}

absl::Status DocumentTaken() {
  return absl::AlreadyExistsError("identity_document: a trainee with this document already exists");
}

absl::Status OpenEnrollmentTaken(int64_t trainee_id, int64_t run_id) {
  return absl::AlreadyExistsError(absl::StrCat(FormatResourceName(kTrainees, trainee_id),
                                               " already holds an open enrollment in ",
                                               FormatResourceName(kCourseRuns, run_id)));
}

absl::Status MissingTraineeOrRun() {
  return absl::FailedPreconditionError("enrollment: its trainee or course run does not exist");
}

absl::Status CertificateNumberTaken() {
  return absl::AlreadyExistsError("number: a certificate with this number already exists");
}

absl::Status MissingTraineeOrEnrollment() {
  return absl::FailedPreconditionError("certificate: its trainee or enrollment does not exist");
}

absl::Status CheckSeats(const RunSeats& seats) {
  if (seats.enrolled < 0 || seats.enrolled > seats.capacity) {
    return absl::InternalError(absl::StrCat(FormatResourceName(kCourseRuns, seats.run_id),
                                            ": enrolled seats must stay within 0..capacity"));
  }
  return absl::OkStatus();
}

// DATETIME(6) keeps microseconds, truncating the rest.
absl::Time ToMicros(absl::Time time) { return absl::FromUnixMicros(absl::ToUnixMicros(time)); }

template <typename T>
T Stored(T row, int64_t id) {
  row.meta.id = id;
  row.meta.create_time = ToMicros(row.meta.create_time);
  row.meta.update_time = ToMicros(row.meta.update_time);
  return row;
}

Enrollment Stored(Enrollment row, int64_t id) {
  row.meta.id = id;
  row.meta.create_time = ToMicros(row.meta.create_time);
  row.meta.update_time = ToMicros(row.meta.update_time);
  row.enroll_time = ToMicros(row.enroll_time);
  row.waitlist_position = 0;  // computed on read, never stored
  return row;
}

template <typename T>
absl::StatusOr<T> Find(const std::map<int64_t, T>& rows, absl::string_view collection, int64_t id) {
  auto it = rows.find(id);
  if (it == rows.end()) return NotFound(collection, id);
  return it->second;
}

// Replaces the stored row as an UPDATE of every column but id and create_time would.
template <typename T>
absl::Status Replace(std::map<int64_t, T>& rows, absl::string_view collection, const T& row) {
  auto it = rows.find(row.meta.id);
  if (it == rows.end()) return NotFound(collection, row.meta.id);
  const absl::Time create_time = it->second.meta.create_time;
  it->second = Stored(row, row.meta.id);
  it->second.meta.create_time = create_time;
  return absl::OkStatus();
}

template <typename T, typename Predicate>
absl::StatusOr<Page<T>> ListAfter(const std::map<int64_t, T>& rows, int64_t after_id, int limit,
                                  Predicate matches) {
  if (auto s = CheckLimit(limit); !s.ok()) return s;
  Page<T> page;
  for (auto it = rows.upper_bound(after_id); it != rows.end(); ++it) {
    if (!matches(it->second)) continue;
    if (static_cast<int64_t>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

// Rows changed after `cursor`, in (update_time, id) order; the cursor's time compares at the
// precision the table keeps.
template <typename T>
absl::StatusOr<std::vector<T>> ExportAfter(const std::map<int64_t, T>& rows,
                                           const ExportCursor& cursor, int limit, ExportNext next) {
  if (auto s = CheckLimit(limit); !s.ok()) return s;
  const absl::Time since = ToMicros(cursor.updated_since);
  std::vector<T> after;
  for (const auto& [id, row] : rows) {
    if (std::tie(row.meta.update_time, id) > std::tie(since, cursor.after_id)) after.push_back(row);
  }
  std::sort(after.begin(), after.end(), [](const T& a, const T& b) {
    return std::tie(a.meta.update_time, a.meta.id) < std::tie(b.meta.update_time, b.meta.id);
  });
  if (static_cast<int64_t>(after.size()) >= limit) {
    after.resize(static_cast<size_t>(limit));
    next({after.back().meta.update_time, after.back().meta.id});
  }
  return after;
}

// UTF-8 decoding and encoding for FoldCase; invalid bytes pass through as they are.
char32_t Lower(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;  // Latin-1
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;             // Cyrillic А..Я
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;             // Ѐ..Џ
  if (c == 0x4C0) return 0x4CF;                              // palochka
  const bool paired =
      (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF);
  if (paired && c % 2 == 0) return c + 1;  // Ҳ ҳ, Ҷ ҷ, Қ қ, Ӣ ӣ, Ӯ ӯ...
  if (c >= 0x4C1 && c <= 0x4CE && c % 2 == 1) return c + 1;
  return c;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool IsCoFounded(const WorkshopFounders& owners, const std::optional<int64_t>& institution) {
  return !institution.has_value() || owners.Include(*institution);
}

absl::CivilDay DayOf(absl::Time time) { return absl::ToCivilDay(time, absl::UTCTimeZone()); }

}  // namespace

std::string FoldCase(absl::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    char32_t c = byte;
    if (byte >= 0xC0 && byte < 0xE0) {
      length = 2;
      c = byte & 0x1F;
    } else if (byte >= 0xE0 && byte < 0xF0) {
      length = 3;
      c = byte & 0x0F;
    } else if (byte >= 0xF0 && byte < 0xF8) {
      length = 4;
      c = byte & 0x07;
    }
    bool valid = byte < 0x80 || length > 1;
    if (i + length > text.size()) valid = false;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (next & 0x3F);
    }
    if (!valid) {
      folded.push_back(text[i]);
      ++i;
      continue;
    }
    AppendUtf8(Lower(c), &folded);
    i += length;
  }
  return folded;
}

// ---- key checks ----

absl::Status FakeEnrollmentTx::CheckDocumentFree(const Trainee& trainee) const {
  const std::string key = DocumentKey(trainee.document.number);
  for (const auto& [id, other] : data_.trainees) {
    if (id != trainee.meta.id && other.document.country == trainee.document.country &&
        DocumentKey(other.document.number) == key) {
      return DocumentTaken();
    }
  }
  return absl::OkStatus();
}

absl::Status FakeEnrollmentTx::CheckEnrollmentKeys(const Enrollment& enrollment) const {
  if (!data_.trainees.contains(enrollment.trainee_id) ||
      !data_.run_seats.contains(enrollment.run_id)) {
    return MissingTraineeOrRun();
  }
  if (!IsOpen(enrollment.state)) return absl::OkStatus();
  for (const auto& [id, other] : data_.enrollments) {
    if (id != enrollment.meta.id && other.trainee_id == enrollment.trainee_id &&
        other.run_id == enrollment.run_id && IsOpen(other.state)) {
      return OpenEnrollmentTaken(enrollment.trainee_id, enrollment.run_id);
    }
  }
  return absl::OkStatus();
}

absl::Status FakeEnrollmentTx::CheckCertificateKeys(const Certificate& certificate) const {
  if (!data_.trainees.contains(certificate.trainee_id) ||
      !data_.enrollments.contains(certificate.enrollment_id)) {
    return MissingTraineeOrEnrollment();
  }
  for (const auto& [id, other] : data_.certificates) {
    if (id != certificate.meta.id && other.number == certificate.number) {
      return CertificateNumberTaken();
    }
  }
  return absl::OkStatus();
}

// ---- trainees ----

absl::StatusOr<Trainee> FakeEnrollmentTx::GetTrainee(int64_t id, bool /*for_update*/) {
  return Find(data_.trainees, kTrainees, id);
}

absl::StatusOr<std::optional<Trainee>> FakeEnrollmentTx::FindTraineeByDocument(
    const std::string& country, const std::string& document_key) {
  for (const auto& [id, trainee] : data_.trainees) {
    if (trainee.document.country == country &&
        DocumentKey(trainee.document.number) == document_key) {
      return std::optional<Trainee>(trainee);
    }
  }
  return std::optional<Trainee>();
}

absl::StatusOr<Page<Trainee>> FakeEnrollmentTx::ListTrainees(const TraineeFilter& filter,
                                                             int64_t after_id, int limit) {
  const std::string prefix = FoldCase(filter.name_prefix);
  return ListAfter(data_.trainees, after_id, limit, [&](const Trainee& t) {
    return (!filter.home_workshop_id.has_value() ||
            t.home.workshop_id == *filter.home_workshop_id) &&
           (filter.citizenship.empty() || t.citizenship == filter.citizenship) &&
           (!filter.status.has_value() || t.status == *filter.status) &&
           (prefix.empty() || absl::StartsWith(FoldCase(t.family_name), prefix) ||
            absl::StartsWith(FoldCase(t.family_name_latin), prefix)) &&
           (filter.document_key.empty() || DocumentKey(t.document.number) == filter.document_key) &&
           (!filter.run_id.has_value() ||
            std::any_of(data_.enrollments.begin(), data_.enrollments.end(),
                        [&](const auto& e) {
                          return e.second.trainee_id == t.meta.id &&
                                 e.second.run_id == *filter.run_id;
                        })) &&
           IsCoFounded(t.home, filter.visible_to_institution);
  });
}

absl::StatusOr<int64_t> FakeEnrollmentTx::InsertTrainee(const Trainee& trainee) {
  Trainee row = trainee;
  row.meta.id = 0;
  if (auto s = CheckDocumentFree(row); !s.ok()) return s;
  const int64_t id = ++ids_.trainee;
  data_.trainees[id] = Stored(std::move(row), id);
  return id;
}

absl::Status FakeEnrollmentTx::UpdateTrainee(const Trainee& trainee) {
  if (!data_.trainees.contains(trainee.meta.id)) return NotFound(kTrainees, trainee.meta.id);
  if (auto s = CheckDocumentFree(trainee); !s.ok()) return s;
  return Replace(data_.trainees, kTrainees, trainee);
}

absl::StatusOr<std::vector<Trainee>> FakeEnrollmentTx::ExportTrainees(const ExportCursor& cursor,
                                                                      int limit, ExportNext next) {
  return ExportAfter(data_.trainees, cursor, limit, next);
}

// ---- run seats ----

absl::StatusOr<RunSeats> FakeEnrollmentTx::GetRunSeats(int64_t run_id, bool /*for_update*/) {
  auto it = data_.run_seats.find(run_id);
  if (it == data_.run_seats.end()) return NotFound(kCourseRuns, run_id);
  return it->second;
}

absl::Status FakeEnrollmentTx::InsertRunSeatsIfAbsent(const RunSeats& seats) {
  // The row is checked before the duplicate is found, as the database does.
  if (auto s = CheckSeats(seats); !s.ok()) return s;
  data_.run_seats.try_emplace(seats.run_id, seats);
  return absl::OkStatus();
}

absl::Status FakeEnrollmentTx::UpdateRunSeats(const RunSeats& seats) {
  auto it = data_.run_seats.find(seats.run_id);
  if (it == data_.run_seats.end()) return NotFound(kCourseRuns, seats.run_id);
  if (auto s = CheckSeats(seats); !s.ok()) return s;
  it->second = seats;
  return absl::OkStatus();
}

// ---- enrollments ----

absl::StatusOr<Enrollment> FakeEnrollmentTx::GetEnrollment(int64_t id, bool /*for_update*/) {
  return Find(data_.enrollments, kEnrollments, id);
}

absl::StatusOr<std::optional<Enrollment>> FakeEnrollmentTx::FindOpenEnrollment(int64_t trainee_id,
                                                                               int64_t run_id) {
  for (const auto& [id, e] : data_.enrollments) {
    if (e.trainee_id == trainee_id && e.run_id == run_id && IsOpen(e.state)) {
      return std::optional<Enrollment>(e);
    }
  }
  return std::optional<Enrollment>();
}

absl::StatusOr<int64_t> FakeEnrollmentTx::CountOpenEnrollments(int64_t trainee_id) {
  int64_t count = 0;
  for (const auto& [id, e] : data_.enrollments) {
    if (e.trainee_id == trainee_id && IsOpen(e.state)) ++count;
  }
  return count;
}

absl::StatusOr<std::vector<Enrollment>> FakeEnrollmentTx::FirstWaitlisted(int64_t run_id,
                                                                          int limit) {
  if (auto s = CheckLimit(limit); !s.ok()) return s;
  std::vector<Enrollment> waiting;
  for (const auto& [id, e] : data_.enrollments) {
    if (e.run_id == run_id && e.state == EnrollmentState::kWaitlisted) waiting.push_back(e);
  }
  std::sort(waiting.begin(), waiting.end(), [](const Enrollment& a, const Enrollment& b) {
    return std::tie(a.waitlist_seq, a.meta.id) < std::tie(b.waitlist_seq, b.meta.id);
  });
  if (static_cast<int64_t>(waiting.size()) > limit) waiting.resize(static_cast<size_t>(limit));
  return waiting;
}

absl::StatusOr<std::vector<Enrollment>> FakeEnrollmentTx::OpenEnrollmentsOfRun(int64_t run_id) {
  std::vector<Enrollment> open;
  for (const auto& [id, e] : data_.enrollments) {
    if (e.run_id == run_id && IsOpen(e.state)) open.push_back(e);
  }
  return open;
}

absl::StatusOr<int> FakeEnrollmentTx::WaitlistPosition(int64_t run_id, int64_t waitlist_seq) {
  int position = 1;
  for (const auto& [id, e] : data_.enrollments) {
    if (e.run_id == run_id && e.state == EnrollmentState::kWaitlisted &&
        e.waitlist_seq < waitlist_seq) {
      ++position;
    }
  }
  return position;
}

absl::StatusOr<Page<Enrollment>> FakeEnrollmentTx::ListEnrollments(const EnrollmentFilter& filter,
                                                                   int64_t after_id, int limit) {
  return ListAfter(data_.enrollments, after_id, limit, [&](const Enrollment& e) {
    return (!filter.run_id.has_value() || e.run_id == *filter.run_id) &&
           (!filter.trainee_id.has_value() || e.trainee_id == *filter.trainee_id) &&
           (!filter.workshop_id.has_value() || e.owners.workshop_id == *filter.workshop_id) &&
           (!filter.state.has_value() || e.state == *filter.state) &&
           (!filter.enrolled_from.has_value() || DayOf(e.enroll_time) >= *filter.enrolled_from) &&
           (!filter.enrolled_to.has_value() || DayOf(e.enroll_time) <= *filter.enrolled_to) &&
           IsCoFounded(e.owners, filter.visible_to_institution);
  });
}

absl::StatusOr<int64_t> FakeEnrollmentTx::InsertEnrollment(const Enrollment& enrollment) {
  Enrollment row = enrollment;
  row.meta.id = 0;
  if (auto s = CheckEnrollmentKeys(row); !s.ok()) return s;
  const int64_t id = ++ids_.enrollment;
  data_.enrollments[id] = Stored(std::move(row), id);
  return id;
}

absl::Status FakeEnrollmentTx::UpdateEnrollment(const Enrollment& enrollment) {
  if (!data_.enrollments.contains(enrollment.meta.id)) {
    return NotFound(kEnrollments, enrollment.meta.id);
  }
  if (auto s = CheckEnrollmentKeys(enrollment); !s.ok()) return s;
  return Replace(data_.enrollments, kEnrollments, enrollment);
}

absl::StatusOr<std::vector<Enrollment>> FakeEnrollmentTx::ExportEnrollments(
    const ExportCursor& cursor, int limit, ExportNext next) {
  return ExportAfter(data_.enrollments, cursor, limit, next);
}

absl::StatusOr<bool> FakeEnrollmentTx::HasCompletedCourse(int64_t trainee_id, int64_t course_id) {
  for (const auto& [id, e] : data_.enrollments) {
    if (e.trainee_id == trainee_id && e.course_id == course_id &&
        e.state == EnrollmentState::kCompleted) {
      return true;
    }
  }
  return false;
}

// ---- certificates ----

absl::StatusOr<Certificate> FakeEnrollmentTx::GetCertificate(int64_t id, bool /*for_update*/) {
  return Find(data_.certificates, kCertificates, id);
}

absl::StatusOr<Certificate> FakeEnrollmentTx::GetCertificateByNumber(const std::string& number) {
  for (const auto& [id, certificate] : data_.certificates) {
    if (certificate.number == number) return certificate;
  }
  return absl::NotFoundError("number: no certificate has this number");
}

absl::StatusOr<Page<Certificate>> FakeEnrollmentTx::ListCertificates(
    const CertificateFilter& filter, int64_t after_id, int limit) {
  return ListAfter(data_.certificates, after_id, limit, [&](const Certificate& c) {
    return (!filter.trainee_id.has_value() || c.trainee_id == *filter.trainee_id) &&
           (!filter.workshop_id.has_value() || c.owners.workshop_id == *filter.workshop_id) &&
           (!filter.run_id.has_value() ||
            (data_.enrollments.contains(c.enrollment_id) &&
             data_.enrollments.at(c.enrollment_id).run_id == *filter.run_id)) &&
           IsCoFounded(c.owners, filter.visible_to_institution);
  });
}

absl::StatusOr<int64_t> FakeEnrollmentTx::InsertCertificate(const Certificate& certificate) {
  Certificate row = certificate;
  row.meta.id = 0;
  if (auto s = CheckCertificateKeys(row); !s.ok()) return s;
  const int64_t id = ++ids_.certificate;
  data_.certificates[id] = Stored(std::move(row), id);
  return id;
}

absl::Status FakeEnrollmentTx::UpdateCertificate(const Certificate& certificate) {
  if (!data_.certificates.contains(certificate.meta.id)) {
    return NotFound(kCertificates, certificate.meta.id);
  }
  if (auto s = CheckCertificateKeys(certificate); !s.ok()) return s;
  return Replace(data_.certificates, kCertificates, certificate);
}

absl::StatusOr<bool> FakeEnrollmentTx::HasValidCertificate(int64_t trainee_id,
                                                           const std::string& discipline) {
  for (const auto& [id, c] : data_.certificates) {
    if (c.trainee_id == trainee_id && c.status == CertificateStatus::kValid &&
        c.discipline == discipline) {
      return true;
    }
  }
  return false;
}

// ---- feed cursors ----

absl::StatusOr<int64_t> FakeEnrollmentTx::GetFeedCursor(const std::string& source) {
  auto it = data_.feed_cursors.find(source);
  return it == data_.feed_cursors.end() ? int64_t{0} : it->second;
}

absl::Status FakeEnrollmentTx::PutFeedCursor(const std::string& source, int64_t sequence) {
  data_.feed_cursors[source] = sequence;
  return absl::OkStatus();
}

// ---- store ----

absl::Status FakeEnrollmentStore::InTransaction(
    absl::string_view context, absl::Time deadline,
    absl::FunctionRef<absl::Status(EnrollmentTx&)> body) {
  absl::MutexLock lock(&mu_);
  ++transactions_;
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat(context, ": the deadline passed before the work started"));
  }
  if (!failures_.empty()) {
    absl::Status failure = std::move(failures_.front());
    failures_.pop_front();
    return failure;
  }
  FakeEnrollmentData before = data_;
  FakeEnrollmentTx tx(data_, ids_);
  absl::Status status = body(tx);
  if (!status.ok()) {
    data_ = std::move(before);
    return status;
  }
  ++commits_;
  return absl::OkStatus();
}

void FakeEnrollmentStore::FailNextTransactions(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) failures_.push_back(status);
}

int FakeEnrollmentStore::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

int FakeEnrollmentStore::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

}  // namespace luban::enrollment::testing
