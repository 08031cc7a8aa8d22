#include "tests/course/fake_course_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/domain/resource_name.h"

namespace luban::course::testing {
namespace {

// Messages and codes as the MySQL store gives them.
absl::Status NotFound(absl::string_view collection, int64_t id) {
  return absl::NotFoundError(absl::StrCat(FormatResourceName(collection, id), ": not found"));
}

absl::Status StillReferenced(absl::string_view collection, int64_t id, absl::string_view by) {
  return absl::FailedPreconditionError(
      absl::StrCat(FormatResourceName(collection, id), ": ", by, " refer to it"));
}

absl::Status MissingInstitution() {
  return absl::FailedPreconditionError(
      "workshop: its chinese or partner institution does not exist");
}

absl::Status MissingCourseOrWorkshop() {
  return absl::FailedPreconditionError("course run: its course or workshop does not exist");
}

absl::Status CourseCodeTaken(const std::string& code) {
  return absl::AlreadyExistsError(
      absl::StrCat("code: a course with code \"", code, "\" already exists"));
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
  if (limit < 1) return absl::InvalidArgumentError("limit: must be at least 1");
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

bool IsActive(RunStatus status) {
  return status == RunStatus::kScheduled || status == RunStatus::kOpen ||
         status == RunStatus::kInProgress;
}

}  // namespace

// ---- institutions ----

absl::StatusOr<Institution> FakeCourseTx::GetInstitution(int64_t id, bool /*for_update*/) {
  return Find(data_.institutions, kInstitutions, id);
}

absl::StatusOr<Page<Institution>> FakeCourseTx::ListInstitutions(const InstitutionFilter& filter,
                                                                 int64_t after_id, int limit) {
  return ListAfter(data_.institutions, after_id, limit, [&](const Institution& i) {
    return (filter.country.empty() || i.country == filter.country) &&
           (!filter.kind.has_value() || i.kind == *filter.kind);
  });
}

absl::StatusOr<int64_t> FakeCourseTx::InsertInstitution(const Institution& institution) {
  const int64_t id = ++ids_.institution;
  data_.institutions[id] = Stored(institution, id);
  return id;
}

absl::Status FakeCourseTx::UpdateInstitution(const Institution& institution) {
  return Replace(data_.institutions, kInstitutions, institution);
}

absl::Status FakeCourseTx::DeleteInstitution(int64_t id) {
  if (!data_.institutions.contains(id)) return NotFound(kInstitutions, id);
  if (*InstitutionHasWorkshops(id)) return StillReferenced(kInstitutions, id, "workshops");
  data_.institutions.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeCourseTx::InstitutionHasWorkshops(int64_t id) {
  for (const auto& [workshop_id, workshop] : data_.workshops) {
    if (workshop.CoFoundedBy(id)) return true;
  }
  return false;
}

// ---- workshops ----

absl::StatusOr<Workshop> FakeCourseTx::GetWorkshop(int64_t id, bool /*for_update*/) {
  return Find(data_.workshops, kWorkshops, id);
}

absl::StatusOr<Page<Workshop>> FakeCourseTx::ListWorkshops(const WorkshopFilter& filter,
                                                           int64_t after_id, int limit) {
  return ListAfter(data_.workshops, after_id, limit, [&](const Workshop& w) {
    return (filter.country.empty() || w.country == filter.country) &&
           (!filter.status.has_value() || w.status == *filter.status) &&
           (!filter.institution_id.has_value() || w.CoFoundedBy(*filter.institution_id)) &&
           (!filter.visible_to_institution.has_value() ||
            w.CoFoundedBy(*filter.visible_to_institution));
  });
}

absl::StatusOr<int64_t> FakeCourseTx::InsertWorkshop(const Workshop& workshop) {
  if (!data_.institutions.contains(workshop.chinese_institution_id) ||
      !data_.institutions.contains(workshop.partner_institution_id)) {
    return MissingInstitution();
  }
  const int64_t id = ++ids_.workshop;
  data_.workshops[id] = Stored(workshop, id);
  return id;
}

absl::Status FakeCourseTx::UpdateWorkshop(const Workshop& workshop) {
  if (!data_.workshops.contains(workshop.meta.id)) return NotFound(kWorkshops, workshop.meta.id);
  if (!data_.institutions.contains(workshop.chinese_institution_id) ||
      !data_.institutions.contains(workshop.partner_institution_id)) {
    return MissingInstitution();
  }
  return Replace(data_.workshops, kWorkshops, workshop);
}

absl::Status FakeCourseTx::DeleteWorkshop(int64_t id) {
  if (!data_.workshops.contains(id)) return NotFound(kWorkshops, id);
  if (*CountWorkshopRuns(id, /*active_only=*/false) > 0) {
    return StillReferenced(kWorkshops, id, "course runs");
  }
  data_.workshops.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FakeCourseTx::CountWorkshopRuns(int64_t workshop_id, bool active_only) {
  int64_t count = 0;
  for (const auto& [id, run] : data_.course_runs) {
    if (run.workshop_id == workshop_id && (!active_only || IsActive(run.status))) ++count;
  }
  return count;
}

// ---- courses ----

absl::StatusOr<Course> FakeCourseTx::GetCourse(int64_t id, bool /*for_update*/) {
  return Find(data_.courses, kCourses, id);
}

absl::StatusOr<Page<Course>> FakeCourseTx::ListCourses(const CourseFilter& filter, int64_t after_id,
                                                       int limit) {
  return ListAfter(data_.courses, after_id, limit, [&](const Course& c) {
    return filter.discipline.empty() || c.discipline == filter.discipline;
  });
}

absl::StatusOr<int64_t> FakeCourseTx::InsertCourse(const Course& course) {
  for (const auto& [id, other] : data_.courses) {
    if (other.code == course.code) return CourseCodeTaken(course.code);
  }
  const int64_t id = ++ids_.course;
  data_.courses[id] = Stored(course, id);
  return id;
}

absl::Status FakeCourseTx::UpdateCourse(const Course& course) {
  if (!data_.courses.contains(course.meta.id)) return NotFound(kCourses, course.meta.id);
  for (const auto& [id, other] : data_.courses) {
    if (id != course.meta.id && other.code == course.code) return CourseCodeTaken(course.code);
  }
  return Replace(data_.courses, kCourses, course);
}

absl::Status FakeCourseTx::DeleteCourse(int64_t id) {
  if (!data_.courses.contains(id)) return NotFound(kCourses, id);
  if (*CourseHasRuns(id)) return StillReferenced(kCourses, id, "course runs");
  data_.courses.erase(id);
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeCourseTx::CourseHasRuns(int64_t id) {
  for (const auto& [run_id, run] : data_.course_runs) {
    if (run.course_id == id) return true;
  }
  return false;
}

// ---- course runs ----

absl::StatusOr<CourseRun> FakeCourseTx::GetCourseRun(int64_t id, bool /*for_update*/) {
  return Find(data_.course_runs, kCourseRuns, id);
}

absl::StatusOr<Page<CourseRun>> FakeCourseTx::ListCourseRuns(const CourseRunFilter& filter,
                                                             int64_t after_id, int limit) {
  // Institutions reach runs through the run's workshop.
  auto co_founded = [&](const CourseRun& run, int64_t institution_id) {
    auto workshop = data_.workshops.find(run.workshop_id);
    return workshop != data_.workshops.end() && workshop->second.CoFoundedBy(institution_id);
  };
  return ListAfter(data_.course_runs, after_id, limit, [&](const CourseRun& r) {
    return (filter.country.empty() || r.country == filter.country) &&
           (!filter.workshop_id.has_value() || r.workshop_id == *filter.workshop_id) &&
           (!filter.course_id.has_value() || r.course_id == *filter.course_id) &&
           (!filter.status.has_value() || r.status == *filter.status) &&
           (!filter.start_from.has_value() || r.start_date >= *filter.start_from) &&
           (!filter.start_to.has_value() || r.start_date <= *filter.start_to) &&
           (!filter.institution_id.has_value() || co_founded(r, *filter.institution_id)) &&
           (!filter.visible_to_institution.has_value() ||
            co_founded(r, *filter.visible_to_institution));
  });
}

absl::StatusOr<int64_t> FakeCourseTx::InsertCourseRun(const CourseRun& run) {
  if (!data_.courses.contains(run.course_id) || !data_.workshops.contains(run.workshop_id)) {
    return MissingCourseOrWorkshop();
  }
  const int64_t id = ++ids_.course_run;
  data_.course_runs[id] = Stored(run, id);
  return id;
}

absl::Status FakeCourseTx::UpdateCourseRun(const CourseRun& run) {
  if (!data_.course_runs.contains(run.meta.id)) return NotFound(kCourseRuns, run.meta.id);
  if (!data_.courses.contains(run.course_id) || !data_.workshops.contains(run.workshop_id)) {
    return MissingCourseOrWorkshop();
  }
  return Replace(data_.course_runs, kCourseRuns, run);
}

absl::Status FakeCourseTx::DeleteCourseRun(int64_t id) {
  if (data_.course_runs.erase(id) == 0) return NotFound(kCourseRuns, id);
  return absl::OkStatus();
}

// ---- store ----

absl::Status FakeCourseStore::InTransaction(absl::string_view context, absl::Time deadline,
                                            absl::FunctionRef<absl::Status(CourseTx&)> body) {
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
  FakeCourseData before = data_;
  FakeCourseTx tx(data_, ids_);
  absl::Status status = body(tx);
  if (!status.ok()) {
    data_ = std::move(before);
    return status;
  }
  ++commits_;
  return absl::OkStatus();
}

void FakeCourseStore::FailNextTransactions(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) failures_.push_back(status);
}

int FakeCourseStore::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

int FakeCourseStore::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

}  // namespace luban::course::testing
