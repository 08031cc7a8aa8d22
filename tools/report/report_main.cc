// luban-report: the reporting batch job. Reads the services' exports with the reporter's token,
// aggregates as the rows stream past (see report_data.h for what is held and how memory grows),
// and writes CSV tables, a JSON document and an HTML page for a period. See kUsage.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/channel.h"
#include "common/domain/status_macros.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "tools/cli/client_config.h"
#include "tools/report/report_data.h"
#include "tools/report/report_render.h"
#include "tools/report/report_state.h"

ABSL_FLAG(int, year, 0, "report on this calendar year (e.g. 2026); or give --from and --to");
ABSL_FLAG(std::string, from, "", "first day of the period, YYYY-MM-DD (with --to)");
ABSL_FLAG(std::string, to, "", "last day of the period, YYYY-MM-DD, inclusive (with --from)");
ABSL_FLAG(std::string, out, "", "directory to write the report into (created if missing)");
ABSL_FLAG(std::string, state, "",
          "state file of incremental runs: export cursors and compact per-row records; read "
          "when it exists, rewritten atomically after a successful run");
ABSL_FLAG(absl::Duration, export_timeout, absl::Hours(2),
          "give up on an export stream after this long (a stalled service must not hold the job "
          "forever); then exit 5");
ABSL_FLAG(absl::Duration, overlap, absl::Minutes(10),
          "with --state: also re-read the rows changed this long before the last run's cursors, "
          "so that a transaction committed late (after the last run read past its time) is not "
          "missed; 0 reads exactly from the cursors");
ABSL_FLAG(bool, full, false, "ignore the state file's contents: read every row again");
ABSL_FLAG(std::string, generated_at, "",
          "the generation time to print in the report (e.g. 2026-07-01T02:00:00Z); default now. "
          "Give it to make two runs over the same data byte-identical");

namespace luban::report {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;
namespace xpb = ::luban::exchange::v1;

constexpr char kProgram[] = "luban-report";

constexpr char kUsage[] = R"(figures of the Luban Workshops for a period, as CSV, JSON and HTML.

Usage:
  LUBAN_TOKEN=<reporter token> luban-report --year 2026 --out DIR [--state FILE]
  LUBAN_TOKEN=<reporter token> luban-report --from 2026-01-01 --to 2026-06-30 --out DIR

Runs as a batch job (cron, a Kubernetes CronJob) with the reporter role's token, from
LUBAN_TOKEN or --token_file (never the command line). The services' addresses and TLS files come
from flags, LUBAN_* variables or the client config file (see the flags below).

What it reads: the enrollment service's ExportEnrollments and ExportTrainees streams and the
exchange service's ExportMobilities stream (the reporter sees sex and birth year, no personal
data), and the lists of institutions, workshops, courses, course runs and programmes. With
--state FILE, a run reads only the rows changed since the cursors of the last run (less
--overlap, for transactions that committed late) and keeps a compact record per row (16 bytes
per enrollment, 8 per trainee, 12 per mobility) so that its figures equal those of a full run.
Memory grows with those records only, never with row text.

Definitions:
  period          --year Y is Y-01-01..Y-12-31; --from/--to are inclusive days.
  counted         an enrollment counts when its course run starts in the period; its year is the
                  run's start year. A mobility counts when its programme's dates overlap the
                  period.
  trainees        distinct people with at least one counted enrollment in the group.
  waitlisted ... cancelled
                  counted enrollments in that state now.
  completion rate completed / (enrolled + completed + failed + withdrawn); empty if none.
  certificates    completed enrollments that issued a certificate (revocations not deducted).
  age band        run's start year - birth year: <18, 18-24, 25-34, 35-44, 45+, unknown.
  quota use       approved (approved, departed, returned) mobilities / the programme's quota.

Outputs in --out DIR (each replaced atomically; the same data gives the same bytes):
  by_year.csv, by_country.csv, by_workshop.csv, by_course.csv   figures per group and year
  by_sex_age.csv                       per year, country, sex and age band
  mobilities.csv                       mobilities by programme kind, direction and state
  programme_quota.csv                  quota use per programme
  report.json                          all of the above, the period and the definitions
  report.html                          one self-contained page with charts (inline SVG)
A progress line goes to stderr (updated in place on a terminal).

Exit codes:
  0 done; 1 other failure (e.g. a damaged state file, an output not writable);
  2 bad usage or configuration; 3 not found; 4 permission (no token, or not the reporter's);
  5 a service unavailable or too slow; 6 conflict or refused precondition.)";

// ---- progress ---------------------------------------------------------------------------------

// Rows read per export and their rate on stderr: in place on a terminal, one line per export
// otherwise (a log file gets no carriage returns).
class Progress {
 public:
  Progress() : terminal_(::isatty(STDERR_FILENO) == 1) {}

  void Start(absl::string_view what) {
    what_ = std::string(what);
    rows_ = 0;
    start_ = absl::Now();
    last_print_ = absl::InfinitePast();
  }
  void Add(int64_t rows) {
    rows_ += rows;
    if (!terminal_) return;
    const absl::Time now = absl::Now();
    if (now - last_print_ < absl::Milliseconds(200)) return;
    last_print_ = now;
    std::fprintf(stderr, "\r%s: %s: %lld rows (%s)\x1b[K", kProgram, what_.c_str(),
                 static_cast<long long>(rows_), Rate(now).c_str());
    std::fflush(stderr);
  }
  void Finish() {
    const absl::Time now = absl::Now();
    std::fprintf(stderr, "%s%s: %s: %lld rows read in %.1f s (%s)%s\n", terminal_ ? "\r" : "",
                 kProgram, what_.c_str(), static_cast<long long>(rows_),
                 absl::ToDoubleSeconds(now - start_), Rate(now).c_str(), terminal_ ? "\x1b[K" : "");
  }
  // Ends an in-place line before an error is printed.
  void Interrupt() {
    if (terminal_) std::fputc('\n', stderr);
  }

 private:
  std::string Rate(absl::Time now) const {
    const double seconds = absl::ToDoubleSeconds(now - start_);
    if (seconds <= 0) return "- rows/s";
    return absl::StrFormat("%.0f rows/s", static_cast<double>(rows_) / seconds);
  }

  const bool terminal_;
  std::string what_;
  int64_t rows_ = 0;
  absl::Time start_;
  absl::Time last_print_;
};

// ---- failures ---------------------------------------------------------------------------------

// What ends the run: an exit code and one line for the user.
struct Failure {
  int code;
  std::string line;
};

Failure CallFailure(absl::string_view what, const grpc::Status& status) {
  return {cli::ExitCodeFor(status.error_code()), cli::ErrorLine(kProgram, what, status)};
}

Failure LocalFailure(int code, const absl::Status& status) {
  return {code, absl::StrCat(kProgram, ": ", status.message())};
}

// ---- conversions ------------------------------------------------------------------------------

template <typename Names>
std::string DisplayName(const Names& names) {
  for (const auto& n : names) {
    if (n.language_code() == "en") return n.text();
  }
  return names.empty() ? std::string() : names.begin()->text();
}

absl::CivilDay DayOf(const luban::common::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

int64_t IdOrZero(absl::string_view name, absl::string_view collection) {
  return IdOf(name, collection).value_or(0);
}

template <typename Row>
void Advance(ExportCursor& cursor, const Row& row) {
  cursor.seconds = row.update_time().seconds();
  cursor.nanos = row.update_time().nanos();
  cursor.after_name = row.name();
}

// Asks for the rows changed since `cursor`, or since `overlap` before it: a transaction that
// stamped its rows before the last run's cursor but committed after that run read past it would
// otherwise be missed for good. Rows read again just replace their records.
template <typename Request>
void SetCursor(Request& request, const ExportCursor& cursor, absl::Duration overlap) {
  if (cursor.empty()) return;
  if (overlap <= absl::ZeroDuration()) {
    request.mutable_updated_since()->set_seconds(cursor.seconds);
    request.mutable_updated_since()->set_nanos(cursor.nanos);
    request.set_after_name(cursor.after_name);
    return;
  }
  const absl::Time since =
      absl::FromUnixSeconds(cursor.seconds) + absl::Nanoseconds(cursor.nanos) - overlap;
  if (since <= absl::UnixEpoch()) return;              // the whole export
  const int64_t seconds = absl::ToUnixSeconds(since);  // rounds down
  request.mutable_updated_since()->set_seconds(seconds);
  request.mutable_updated_since()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since - absl::FromUnixSeconds(seconds))));
}

// Each export row becomes its compact record (replacing the one of an earlier run), and the
// export's cursor moves to it.
absl::Status Apply(const epb::Enrollment& e, Snapshot& snapshot) {
  LUBAN_ASSIGN_OR_RETURN(auto id, CompactIdOf(e.name(), "enrollments", "enrollment"));
  LUBAN_ASSIGN_OR_RETURN(auto run,
                         CompactIdOf(e.course_run(), "courseRuns", "enrollment's course_run"));
  LUBAN_ASSIGN_OR_RETURN(auto trainee,
                         CompactIdOf(e.trainee(), "trainees", "enrollment's trainee"));
  snapshot.enrollments.Put({id, run, trainee, static_cast<uint8_t>(e.state()),
                            static_cast<uint8_t>(e.certificate().empty() ? 0 : 1)});
  Advance(snapshot.enrollments_cursor, e);
  return absl::OkStatus();
}

absl::Status Apply(const xpb::Mobility& m, Snapshot& snapshot) {
  LUBAN_ASSIGN_OR_RETURN(auto id, CompactIdOf(m.name(), "mobilities", "mobility"));
  LUBAN_ASSIGN_OR_RETURN(auto programme,
                         CompactIdOf(m.programme(), "programmes", "mobility's programme"));
  Participant participant = Participant::kUnknown;
  if (m.has_teacher()) participant = Participant::kTeacher;
  if (!m.trainee().empty()) participant = Participant::kTrainee;
  snapshot.mobilities.Put(
      {id, programme, static_cast<uint8_t>(m.state()), static_cast<uint8_t>(participant)});
  Advance(snapshot.mobilities_cursor, m);
  return absl::OkStatus();
}

absl::Status Apply(const epb::Trainee& t, Snapshot& snapshot) {
  LUBAN_ASSIGN_OR_RETURN(auto id, CompactIdOf(t.name(), "trainees", "trainee"));
  // Reporters see the birth year only; anything outside 1..9999 counts as unknown.
  const int birth_year = t.birth_year() > 0 && t.birth_year() < 10000 ? t.birth_year() : 0;
  snapshot.trainees.Put({id, static_cast<int16_t>(birth_year), static_cast<uint8_t>(t.sex())});
  Advance(snapshot.trainees_cursor, t);
  return absl::OkStatus();
}

// ---- the run ----------------------------------------------------------------------------------

class Report {
 public:
  Report(cli::Connections& connections, Progress& progress)
      : connections_(connections), progress_(progress) {}

  // Reads the changes since the snapshot's cursors into it.
  std::optional<Failure> ReadExports(Snapshot& snapshot);
  // Reads the reference data of `period`.
  std::optional<Failure> ReadReference(const Period& period, ReferenceData& reference);

 private:
  // Drains one export stream, turning each row of `rows` into its record in `snapshot`.
  template <typename Response, typename Rows>
  std::optional<Failure> Drain(absl::string_view what, grpc::ClientContext& context,
                               std::unique_ptr<grpc::ClientReader<Response>> reader,
                               Rows (Response::*rows)() const, Snapshot& snapshot);

  // Reads every page of a List call.
  template <typename Stub, typename Request, typename Response, typename OnPage>
  std::optional<Failure> ListAll(absl::string_view what, Stub& stub,
                                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                              Response*),
                                 Request request, OnPage on_page);

  // The bearer token and --export_timeout's deadline.
  void PrepareExport(grpc::ClientContext& context) const {
    connections_.PrepareStream(context);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_export_timeout)));
  }

  cli::Connections& connections_;
  Progress& progress_;
};

template <typename Response, typename Rows>
std::optional<Failure> Report::Drain(absl::string_view what, grpc::ClientContext& context,
                                     std::unique_ptr<grpc::ClientReader<Response>> reader,
                                     Rows (Response::*rows)() const, Snapshot& snapshot) {
  progress_.Start(what);
  Response batch;
  absl::Status row_error;
  while (row_error.ok() && reader->Read(&batch)) {
    for (const auto& row : (batch.*rows)()) {
      row_error = Apply(row, snapshot);
      if (!row_error.ok()) break;
    }
    progress_.Add((batch.*rows)().size());
  }
  if (!row_error.ok()) context.TryCancel();
  const grpc::Status status = reader->Finish();
  if (!row_error.ok()) {
    progress_.Interrupt();
    return LocalFailure(cli::kExitFailure, row_error);
  }
  if (!status.ok()) {
    progress_.Interrupt();
    return CallFailure(absl::StrCat("exporting ", what), status);
  }
  progress_.Finish();
  return std::nullopt;
}

template <typename Stub, typename Request, typename Response, typename OnPage>
std::optional<Failure> Report::ListAll(absl::string_view what, Stub& stub,
                                       grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                                       Request request, OnPage on_page) {
  request.set_page_size(1000);
  while (true) {
    grpc::ClientContext context;
    connections_.Prepare(context);
    Response response;
    const grpc::Status status = (stub.*method)(&context, request, &response);
    if (!status.ok()) return CallFailure(absl::StrCat("listing ", what), status);
    on_page(response);
    if (response.next_page_token().empty()) return std::nullopt;
    request.set_page_token(response.next_page_token());
  }
}

std::optional<Failure> Report::ReadExports(Snapshot& snapshot) {
  auto enrollment_channel = connections_.Channel(cli::Service::kEnrollment);
  if (!enrollment_channel.ok()) return LocalFailure(cli::kExitUsage, enrollment_channel.status());
  auto exchange_channel = connections_.Channel(cli::Service::kExchange);
  if (!exchange_channel.ok()) return LocalFailure(cli::kExitUsage, exchange_channel.status());
  epb::EnrollmentService::Stub enrollment(*enrollment_channel);
  xpb::ExchangeService::Stub exchange(*exchange_channel);

  // Enrollments first, trainees last: every trainee an enrollment names existed before the
  // enrollment, so the trainee export that follows holds it.
  {
    epb::ExportEnrollmentsRequest request;
    SetCursor(request, snapshot.enrollments_cursor, absl::GetFlag(FLAGS_overlap));
    grpc::ClientContext context;
    PrepareExport(context);
    if (auto f = Drain("enrollments", context, enrollment.ExportEnrollments(&context, request),
                       &epb::ExportEnrollmentsResponse::enrollments, snapshot)) {
      return f;
    }
  }
  {
    xpb::ExportMobilitiesRequest request;
    SetCursor(request, snapshot.mobilities_cursor, absl::GetFlag(FLAGS_overlap));
    grpc::ClientContext context;
    PrepareExport(context);
    if (auto f = Drain("mobilities", context, exchange.ExportMobilities(&context, request),
                       &xpb::ExportMobilitiesResponse::mobilities, snapshot)) {
      return f;
    }
  }
  {
    epb::ExportTraineesRequest request;
    SetCursor(request, snapshot.trainees_cursor, absl::GetFlag(FLAGS_overlap));
    grpc::ClientContext context;
    PrepareExport(context);
    if (auto f = Drain("trainees", context, enrollment.ExportTrainees(&context, request),
                       &epb::ExportTraineesResponse::trainees, snapshot)) {
      return f;
    }
  }
  snapshot.Flush();
  return std::nullopt;
}

std::optional<Failure> Report::ReadReference(const Period& period, ReferenceData& reference) {
  auto course_channel = connections_.Channel(cli::Service::kCourse);
  if (!course_channel.ok()) return LocalFailure(cli::kExitUsage, course_channel.status());
  auto exchange_channel = connections_.Channel(cli::Service::kExchange);
  if (!exchange_channel.ok()) return LocalFailure(cli::kExitUsage, exchange_channel.status());
  cpb::CourseService::Stub course(*course_channel);
  xpb::ExchangeService::Stub exchange(*exchange_channel);

  if (auto f =
          ListAll("institutions", course, &cpb::CourseService::Stub::ListInstitutions,
                  cpb::ListInstitutionsRequest(), [&](const cpb::ListInstitutionsResponse& page) {
                    for (const cpb::Institution& i : page.institutions()) {
                      reference.institutions[IdOrZero(i.name(), "institutions")] = {
                          DisplayName(i.display_names()), i.country_code(),
                          i.kind() == cpb::INSTITUTION_KIND_CHINESE_COLLEGE};
                    }
                  })) {
    return f;
  }
  if (auto f = ListAll("workshops", course, &cpb::CourseService::Stub::ListWorkshops,
                       cpb::ListWorkshopsRequest(), [&](const cpb::ListWorkshopsResponse& page) {
                         for (const cpb::Workshop& w : page.workshops()) {
                           reference.workshops[IdOrZero(w.name(), "workshops")] = {
                               DisplayName(w.display_names()), w.country_code(), w.city(),
                               IdOrZero(w.chinese_institution(), "institutions"),
                               IdOrZero(w.partner_institution(), "institutions")};
                         }
                       })) {
    return f;
  }
  if (auto f = ListAll("courses", course, &cpb::CourseService::Stub::ListCourses,
                       cpb::ListCoursesRequest(), [&](const cpb::ListCoursesResponse& page) {
                         for (const cpb::Course& c : page.courses()) {
                           reference.courses[IdOrZero(c.name(), "courses")] = {
                               c.code(), DisplayName(c.titles()), c.discipline()};
                         }
                       })) {
    return f;
  }
  // Only the runs starting in the period: the others' enrollments are not counted.
  cpb::ListCourseRunsRequest runs;
  runs.mutable_start_date_from()->set_year(period.from.year());
  runs.mutable_start_date_from()->set_month(period.from.month());
  runs.mutable_start_date_from()->set_day(period.from.day());
  runs.mutable_start_date_to()->set_year(period.to.year());
  runs.mutable_start_date_to()->set_month(period.to.month());
  runs.mutable_start_date_to()->set_day(period.to.day());
  if (auto f = ListAll("course runs", course, &cpb::CourseService::Stub::ListCourseRuns, runs,
                       [&](const cpb::ListCourseRunsResponse& page) {
                         for (const cpb::CourseRun& r : page.course_runs()) {
                           reference.runs[IdOrZero(r.name(), "courseRuns")] = {
                               IdOrZero(r.workshop(), "workshops"), IdOrZero(r.course(), "courses"),
                               DayOf(r.start_date())};
                         }
                       })) {
    return f;
  }
  if (auto f =
          ListAll("programmes", exchange, &xpb::ExchangeService::Stub::ListProgrammes,
                  xpb::ListProgrammesRequest(), [&](const xpb::ListProgrammesResponse& page) {
                    for (const xpb::Programme& p : page.programmes()) {
                      ProgrammeInfo info;
                      info.title = DisplayName(p.titles());
                      info.chinese_institution = IdOrZero(p.chinese_institution(), "institutions");
                      info.partner_institution = IdOrZero(p.partner_institution(), "institutions");
                      info.partner_country = p.partner_country_code();
                      info.kind = p.kind();
                      info.direction = p.direction();
                      info.status = p.status();
                      info.start = DayOf(p.start_date());
                      info.end = DayOf(p.end_date());
                      info.quota = p.quota();
                      info.approved_count = p.approved_count();
                      reference.programmes[IdOrZero(p.name(), "programmes")] = std::move(info);
                    }
                  })) {
    return f;
  }
  return std::nullopt;
}

// Writes every output file into `dir`.
absl::Status WriteOutputs(const std::string& dir, const Figures& figures,
                          const ReferenceData& reference, const RenderOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": cannot create the output directory: ", error.message()));
  }
  std::map<std::string, std::string> files = RenderCsv(figures, reference);
  files["report.json"] = RenderJson(figures, reference, options);
  files["report.html"] = RenderHtml(figures, reference, options);
  for (const auto& [name, contents] : files) {
    LUBAN_RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/", name), contents));
  }
  return absl::OkStatus();
}

int Run() {
  absl::StatusOr<Period> period =
      MakePeriod(absl::GetFlag(FLAGS_year), absl::GetFlag(FLAGS_from), absl::GetFlag(FLAGS_to));
  if (!period.ok()) {
    std::fprintf(stderr, "%s: %s (see --help)\n", kProgram,
                 std::string(period.status().message()).c_str());
    return cli::kExitUsage;
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::fprintf(stderr, "%s: --out: give the directory to write the report into\n", kProgram);
    return cli::kExitUsage;
  }
  RenderOptions options;
  options.generated_at = absl::GetFlag(FLAGS_generated_at);
  if (options.generated_at.empty()) {
    options.generated_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  }

  absl::StatusOr<cli::ClientConfig> config = cli::LoadClientConfig();
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", kProgram, std::string(config.status().message()).c_str());
    return cli::kExitUsage;
  }
  if (config->token.empty()) {
    std::fprintf(stderr, "%s: no token: set LUBAN_TOKEN (or token_file) to the reporter's token\n",
                 kProgram);
    return cli::kExitPermission;
  }

  Snapshot snapshot;
  const std::string state_path = absl::GetFlag(FLAGS_state);
  if (!state_path.empty() && !absl::GetFlag(FLAGS_full)) {
    const absl::Status loaded = LoadState(state_path, snapshot);
    if (loaded.ok()) {
      std::fprintf(stderr, "%s: %s: %zu enrollments, %zu trainees, %zu mobilities known\n",
                   kProgram, state_path.c_str(), snapshot.enrollments.size(),
                   snapshot.trainees.size(), snapshot.mobilities.size());
    } else if (loaded.code() != absl::StatusCode::kNotFound) {
      std::fprintf(stderr, "%s: %s\n", kProgram, std::string(loaded.message()).c_str());
      return cli::kExitFailure;
    }
  }

  cli::Connections connections(*std::move(config));
  Progress progress;
  Report report(connections, progress);
  if (auto failure = report.ReadExports(snapshot)) {
    std::fprintf(stderr, "%s\n", failure->line.c_str());
    return failure->code;
  }
  ReferenceData reference;
  if (auto failure = report.ReadReference(*period, reference)) {
    std::fprintf(stderr, "%s\n", failure->line.c_str());
    return failure->code;
  }
  const Figures figures = ComputeFigures(*period, snapshot, reference);
  if (auto s = WriteOutputs(out, figures, reference, options); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", kProgram, std::string(s.message()).c_str());
    return cli::kExitFailure;
  }
  if (!state_path.empty()) {
    if (auto s = SaveState(state_path, snapshot); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", kProgram, std::string(s.message()).c_str());
      return cli::kExitFailure;
    }
  }
  std::fprintf(stderr, "%s: %s: %lld enrollments of %lld trainees counted; wrote %s\n", kProgram,
               period->Label().c_str(), static_cast<long long>(figures.total.enrollments),
               static_cast<long long>(figures.total.trainees), out.c_str());
  return cli::kExitOk;
}

// ---- the command line ------------------------------------------------------------------------

// Flags are absl flags (ours and luban_cli's), parsed here rather than by absl::ParseCommandLine,
// which ends the process with 1 on a bad flag and on --help; the documented codes are 2 and 0.
bool IsOurs(const absl::CommandLineFlag& flag) {
  const std::string file = flag.Filename();
  return absl::EndsWith(file, "report_main.cc") || absl::EndsWith(file, "client_config.cc");
}

void PrintHelp() {
  std::printf("%s: %s\n\nFlags:\n", kProgram, kUsage);
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (IsOurs(*flag)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string default_value = flag->DefaultValue();
    std::printf("  --%s%s\n      %s\n", std::string(flag->Name()).c_str(),
                default_value.empty() ? "" : absl::StrCat(" (default ", default_value, ")").c_str(),
                flag->Help().c_str());
  }
}

// Sets the flags from `args`: --name=value, --name value, --bool, --nobool ("-" works as "--").
// kExitOk to go on; -1 after --help; kExitUsage (the error printed) on a bad command line.
int ParseFlags(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      std::fprintf(stderr, "%s: unexpected argument \"%s\" (see --help)\n", kProgram,
                   args[i].c_str());
      return cli::kExitUsage;
    }
    if (arg == "help" || arg == "helpfull" || arg == "h") return -1;
    absl::string_view name = arg;
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if ((flag == nullptr || !IsOurs(*flag)) && !value && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && IsOurs(*negated) && negated->IsOfType<bool>()) {
        flag = negated;
        value = "false";
      }
    }
    if (flag == nullptr || !IsOurs(*flag)) {
      std::fprintf(stderr, "%s: unknown flag --%s (see --help)\n", kProgram,
                   std::string(name).c_str());
      return cli::kExitUsage;
    }
    if (!value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        std::fprintf(stderr, "%s: --%s needs a value\n", kProgram, std::string(name).c_str());
        return cli::kExitUsage;
      }
    }
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      std::fprintf(stderr, "%s: --%s: %s\n", kProgram, std::string(name).c_str(), error.c_str());
      return cli::kExitUsage;
    }
  }
  return cli::kExitOk;
}

int Main(const std::vector<std::string>& args) {
  const int parsed = ParseFlags(args);
  if (parsed < 0) {
    PrintHelp();
    return cli::kExitOk;
  }
  if (parsed != cli::kExitOk) return parsed;
  return Run();
}

}  // namespace
}  // namespace luban::report

int main(int argc, char** argv) {
  luban::client::SkipOpenSslCleanupAtExit();  // before gRPC initialises OpenSSL
  std::vector<std::string> args(argv + 1, argv + argc);
  return luban::report::Main(args);
}
