#include "tools/admin/commands.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "luban/exchange/v1/exchange.pb.h"

namespace luban::admin {
namespace {

using cli::Service;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr Service kCourse = Service::kCourse;
constexpr Service kEnrollment = Service::kEnrollment;
constexpr Service kExchange = Service::kExchange;

// The table. Flags come from the request's fields; `aliases` only add friendlier names.
const std::vector<CommandSpec>& Specs() {
  // One command per entry, its fields on two lines, as a table reads.
  // clang-format off
  static const auto* const specs = new std::vector<CommandSpec>{
      // Course service.
      {"institutions", "get", kCourse, "GetInstitution", Kind::kGet, "name", "institutions",
       "Show an institution.", {}},
      {"institutions", "list", kCourse, "ListInstitutions", Kind::kList, "", "institutions",
       "List institutions.", {}},
      {"institutions", "create", kCourse, "CreateInstitution", Kind::kCreate, "", "institutions",
       "Create an institution (network admins).", {}},
      {"institutions", "update", kCourse, "UpdateInstitution", Kind::kUpdate, "name",
       "institutions", "Change an institution's display names, city or website.", {}},
      {"institutions", "delete", kCourse, "DeleteInstitution", Kind::kCall, "name",
       "institutions", "Delete an institution no workshop refers to (network admins).", {}},

      {"workshops", "get", kCourse, "GetWorkshop", Kind::kGet, "name", "workshops",
       "Show a workshop.", {}},
      {"workshops", "list", kCourse, "ListWorkshops", Kind::kList, "", "workshops",
       "List workshops.", {}},
      {"workshops", "create", kCourse, "CreateWorkshop", Kind::kCreate, "", "workshops",
       "Create a workshop, planned (network admins).", {}},
      {"workshops", "update", kCourse, "UpdateWorkshop", Kind::kUpdate, "name", "workshops",
       "Change a workshop's display names, city, opening date or disciplines.", {}},
      {"workshops", "delete", kCourse, "DeleteWorkshop", Kind::kCall, "name", "workshops",
       "Delete a planned workshop without runs (network admins).", {}},
      {"workshops", "set-status", kCourse, "ChangeWorkshopStatus", Kind::kCall, "name",
       "workshops",
       "Move a workshop to --status: planned -> operating; operating <-> suspended; any -> "
       "closed.",
       {}},

      {"courses", "get", kCourse, "GetCourse", Kind::kGet, "name", "courses",
       "Show a course of the catalogue.", {}},
      {"courses", "list", kCourse, "ListCourses", Kind::kList, "", "courses",
       "List the catalogue.", {}},
      {"courses", "create", kCourse, "CreateCourse", Kind::kCreate, "", "courses",
       "Create a course (network admins).", {}},
      {"courses", "update", kCourse, "UpdateCourse", Kind::kUpdate, "name", "courses",
       "Change a course (network admins).", {}},
      {"courses", "delete", kCourse, "DeleteCourse", Kind::kCall, "name", "courses",
       "Delete a course without runs (network admins).", {}},

      {"runs", "get", kCourse, "GetCourseRun", Kind::kGet, "name", "courseRuns",
       "Show a course run.", {}},
      {"runs", "list", kCourse, "ListCourseRuns", Kind::kList, "", "courseRuns",
       "List course runs.", {{"from", "start-date-from"}, {"to", "start-date-to"}}},
      {"runs", "create", kCourse, "CreateCourseRun", Kind::kCreate, "", "courseRuns",
       "Schedule a course run at an operating workshop.", {}},
      {"runs", "update", kCourse, "UpdateCourseRun", Kind::kUpdate, "name", "courseRuns",
       "Change a scheduled or open run's dates, capacity, language or pass rule.", {}},
      {"runs", "delete", kCourse, "DeleteCourseRun", Kind::kCall, "name", "courseRuns",
       "Delete a scheduled run.", {}},
      {"runs", "open", kCourse, "OpenCourseRun", Kind::kCall, "name", "courseRuns",
       "Open a scheduled run for enrollment.", {}},
      {"runs", "start", kCourse, "StartCourseRun", Kind::kCall, "name", "courseRuns",
       "Start an open run (teaching begins).", {}},
      {"runs", "complete", kCourse, "CompleteCourseRun", Kind::kCall, "name", "courseRuns",
       "Complete a run in progress.", {}},
      {"runs", "cancel", kCourse, "CancelCourseRun", Kind::kCall, "name", "courseRuns",
       "Cancel a run (--reason required); its open enrollments are cancelled.", {}},

      // Enrollment service.
      {"trainees", "get", kEnrollment, "GetTrainee", Kind::kGet, "name", "trainees",
       "Show a trainee.", {}},
      {"trainees", "list", kEnrollment, "ListTrainees", Kind::kList, "", "trainees",
       "List trainees.", {{"workshop", "home-workshop"}}},
      {"trainees", "create", kEnrollment, "CreateTrainee", Kind::kCreate, "", "trainees",
       "Register a trainee (the identity document is unique across the network).",
       {{"workshop", "home-workshop"}}},
      {"trainees", "update", kEnrollment, "UpdateTrainee", Kind::kUpdate, "name", "trainees",
       "Change a trainee's personal data.", {{"workshop", "home-workshop"}}},
      {"trainees", "archive", kEnrollment, "ArchiveTrainee", Kind::kCall, "name", "trainees",
       "Archive a trainee without open enrollments.", {}},
      {"trainees", "import", kEnrollment, "ImportTrainees", Kind::kImport, "FILE", "trainees",
       "Create the trainees of a CSV file, safely re-runnable (see the columns below).", {}},
      {"trainees", "export", kEnrollment, "ExportTrainees", Kind::kExport, "", "trainees",
       "Stream every trainee (changed since --since) to stdout.", {}},
      {"trainees", "check-eligibility", kEnrollment, "CheckEligibility", Kind::kCall, "trainee",
       "trainees", "Whether a trainee exists, is active and meets a requirement.", {}},

      {"enrollments", "get", kEnrollment, "GetEnrollment", Kind::kGet, "name", "enrollments",
       "Show an enrollment.", {}},
      {"enrollments", "list", kEnrollment, "ListEnrollments", Kind::kList, "", "enrollments",
       "List enrollments.", {}},
      {"enrollments", "create", kEnrollment, "Enroll", Kind::kCall, "", "enrollments",
       "Enroll a trainee in an open run (waitlisted when the run is full).", {}},
      {"enrollments", "withdraw", kEnrollment, "Withdraw", Kind::kCall, "name", "enrollments",
       "Withdraw an enrolled or waitlisted trainee.", {}},
      {"enrollments", "complete", kEnrollment, "Complete", Kind::kCall, "name", "enrollments",
       "Record the final score and attendance (passing issues a certificate).", {}},
      {"enrollments", "export", kEnrollment, "ExportEnrollments", Kind::kExport, "",
       "enrollments", "Stream every enrollment (changed since --since) to stdout.", {}},

      {"certificates", "get", kEnrollment, "GetCertificate", Kind::kGet, "name", "certificates",
       "Show a certificate.", {}},
      {"certificates", "list", kEnrollment, "ListCertificates", Kind::kList, "", "certificates",
       "List certificates.", {}},
      {"certificates", "verify", kEnrollment, "VerifyCertificate", Kind::kCall, "number",
       "certificates", "Verify a certificate by its number (no token needed).", {}},
      {"certificates", "revoke", kEnrollment, "RevokeCertificate", Kind::kCall, "name",
       "certificates", "Revoke a certificate with --reason (network admins).", {}},

      // Exchange service.
      {"programmes", "get", kExchange, "GetProgramme", Kind::kGet, "name", "programmes",
       "Show an exchange programme.", {}},
      {"programmes", "list", kExchange, "ListProgrammes", Kind::kList, "", "programmes",
       "List exchange programmes.", {}},
      {"programmes", "create", kExchange, "CreateProgramme", Kind::kCreate, "", "programmes",
       "Create an exchange programme, planned.", {}},
      {"programmes", "update", kExchange, "UpdateProgramme", Kind::kUpdate, "name",
       "programmes", "Change a programme's titles, dates, quota, requirement or run.", {}},
      {"programmes", "set-status", kExchange, "ChangeProgrammeStatus", Kind::kCall, "name",
       "programmes",
       "Move a programme to --status: planned -> open -> closed -> completed; any -> cancelled.",
       {}},

      {"mobilities", "get", kExchange, "GetMobility", Kind::kGet, "name", "mobilities",
       "Show a mobility with its decisions.", {}},
      {"mobilities", "list", kExchange, "ListMobilities", Kind::kList, "", "mobilities",
       "List mobilities.", {}},
      {"mobilities", "nominate", kExchange, "Nominate", Kind::kCall, "", "mobilities",
       "Nominate a trainee (--trainee) or a teacher (--teacher-name ...) for an open programme.",
       {}},
      {"mobilities", "approve", kExchange, "ApproveMobility", Kind::kCall, "name", "mobilities",
       "Approve a nomination within the quota (receiving side).", {}},
      {"mobilities", "reject", kExchange, "RejectMobility", Kind::kCall, "name", "mobilities",
       "Reject a nomination with --reason (receiving side).", {}},
      {"mobilities", "reopen", kExchange, "ReopenMobility", Kind::kCall, "name", "mobilities",
       "Reopen a rejected nomination with --reason (receiving side).", {}},
      {"mobilities", "depart", kExchange, "DepartMobility", Kind::kCall, "name", "mobilities",
       "Record the departure of an approved participant (sending side).", {}},
      {"mobilities", "return", kExchange, "ReturnMobility", Kind::kCall, "name", "mobilities",
       "Record the return of a departed participant (sending side).", {}},
      {"mobilities", "cancel", kExchange, "CancelMobility", Kind::kCall, "name", "mobilities",
       "Cancel a nominated, approved or departed mobility with --reason.", {}},
      {"mobilities", "export", kExchange, "ExportMobilities", Kind::kExport, "", "mobilities",
       "Stream every mobility (changed since --since) to stdout.", {}},

      // Every service: who the caller is, and each service's audit trail.
      {"caller", "get", kCourse, "GetCaller", Kind::kCall, "", "",
       "Show who the token is: principal, role and, for a college admin, its institution.", {}},
      {"audit", "course", kCourse, "ListAuditRecords", Kind::kList, "", "",
       "The course service's audit trail, newest first; --resource NAME (e.g. workshops/3): one "
       "record's history (required for a college admin).",
       {}},
      {"audit", "enrollment", kEnrollment, "ListAuditRecords", Kind::kList, "", "",
       "The enrollment service's audit trail, newest first; --resource NAME (e.g. trainees/12): "
       "one record's history (required for a college admin).",
       {}},
      {"audit", "exchange", kExchange, "ListAuditRecords", Kind::kList, "", "",
       "The exchange service's audit trail, newest first; --resource NAME (e.g. mobilities/4): "
       "one record's history (required for a college admin).",
       {}},
  };
  // clang-format on
  return *specs;
}

struct Shortcut {
  const char* word;
  const char* resource;
  const char* verb;
};
constexpr Shortcut kShortcuts[] = {
    {"enroll", "enrollments", "create"},     {"withdraw", "enrollments", "withdraw"},
    {"complete", "enrollments", "complete"}, {"nominate", "mobilities", "nominate"},
    {"verify", "certificates", "verify"},    {"whoami", "caller", "get"},
};

// Friendlier names for flags of any command that has the canonical one.
constexpr std::pair<const char*, const char*> kAliases[] = {
    {"run", "course-run"},
    {"country", "country-code"},
    {"language", "language-code"},
    {"languages", "instruction-languages"},
    {"display-name", "display-names"},
    {"title", "titles"},
    {"discipline", "disciplines"},
    {"document-country", "identity-document-country-code"},
    {"document-type", "identity-document-type"},
    {"document-number", "identity-document-number"},
    {"email", "contacts-email"},
    {"phone", "contacts-phone"},
    {"address", "contacts-address"},
    {"score", "final-score"},
    {"attendance", "attendance-percent"},
    {"min-attendance", "min-attendance-percent"},
    {"completed-course", "requirement-completed-course"},
    {"certificate-discipline", "requirement-certificate-discipline"},
    {"teacher-name", "teacher-full-name"},
    {"teacher-name-latin", "teacher-full-name-latin"},
    {"since", "updated-since"},
    {"after", "after-name"},
    {"start", "start-date"},
    {"end", "end-date"},
    {"opened", "opened-date"},
    {"birth", "birth-date"},
};

// Settings of tools/cli/client_config.h (absl flags there).
constexpr const char* kSettingFlags[] = {
    "course_addr", "enrollment_addr", "exchange_addr",   "token_file", "tls",   "tls_ca",
    "tls_cert",    "tls_key",         "tls_server_name", "timeout",    "config"};

// Resource fields that are output only: never offered as flags of create or update.
const std::set<std::string>& OutputOnly() {
  static const auto* const names = new std::set<std::string>{"name",
                                                             "etag",
                                                             "create_time",
                                                             "update_time",
                                                             "redacted",
                                                             "status",
                                                             "state",
                                                             "birth_year",
                                                             "approved_count",
                                                             "decisions",
                                                             "cancel_reason",
                                                             "partner_country_code",
                                                             "sending_institution",
                                                             "receiving_institution"};
  return *names;
}

std::string FlagName(const FieldPath& path) {
  return absl::StrReplaceAll(PathName(path), {{"_", "-"}, {".", "-"}});
}

// "--Flag_Name" -> "flag-name".
std::string NormalizeFlag(absl::string_view flag) {
  return absl::AsciiStrToLower(absl::StrReplaceAll(flag, {{"_", "-"}}));
}

const ServiceDescriptor* ServiceOf(Service service) {
  switch (service) {
    case Service::kCourse:
      return luban::course::v1::GetCourseRequest::descriptor()->file()->FindServiceByName(
          "CourseService");
    case Service::kEnrollment:
      return luban::enrollment::v1::GetTraineeRequest::descriptor()->file()->FindServiceByName(
          "EnrollmentService");
    case Service::kExchange:
      return luban::exchange::v1::GetProgrammeRequest::descriptor()->file()->FindServiceByName(
          "ExchangeService");
  }
  return nullptr;
}

// Binds the leaves of `type` (reached from the request by `prefix`) to flags named by their
// path without its first `naming_start` fields: a create's --city, not --workshop-city.
void AddBindings(const Descriptor* type, const FieldPath& prefix, size_t naming_start,
                 bool skip_output_only, const std::set<std::string>& skip,
                 std::vector<FlagBinding>* flags) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (skip.count(field->name()) > 0) continue;
    if (skip_output_only && OutputOnly().count(field->name()) > 0) continue;
    FieldPath path = prefix;
    path.push_back(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !IsLeaf(field)) {
      AddBindings(field->message_type(), path, naming_start, skip_output_only, {}, flags);
      continue;
    }
    if (field->is_repeated() && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        field->message_type()->full_name() != "luban.common.v1.LocalizedString") {
      continue;  // lists of other messages: --from-json only
    }
    const FieldPath named(path.begin() + static_cast<std::ptrdiff_t>(naming_start), path.end());
    flags->push_back({FlagName(named), path, ValueHint(field), false});
  }
}

std::string Indent(absl::string_view left, absl::string_view right, size_t width) {
  std::string line = absl::StrCat("  ", left);
  if (right.empty()) return line + "\n";
  if (line.size() < width) {
    line.append(width - line.size(), ' ');
  } else {
    line.push_back(' ');
  }
  absl::StrAppend(&line, right, "\n");
  return line;
}

}  // namespace

bool IsSettingFlag(absl::string_view name) {
  const std::string normalized = absl::StrReplaceAll(name, {{"-", "_"}});
  for (const char* setting : kSettingFlags) {
    if (normalized == setting) return true;
  }
  return false;
}

std::string Command::FullName() const { return absl::StrCat(spec->resource, " ", spec->verb); }

const FlagBinding* Command::FindFlag(absl::string_view flag) const {
  for (const FlagBinding& binding : flags) {
    if (binding.flag == flag) return &binding;
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<CommandTable>> CommandTable::Build() {
  std::unique_ptr<CommandTable> table(new CommandTable());
  table->commands_.reserve(Specs().size());
  for (const CommandSpec& spec : Specs()) {
    Command command;
    command.spec = &spec;
    const ServiceDescriptor* service = ServiceOf(spec.service);
    command.method = service == nullptr ? nullptr : service->FindMethodByName(spec.method);
    if (command.method == nullptr) {
      return absl::InternalError(
          absl::StrCat(spec.resource, " ", spec.verb, ": no method ", spec.method));
    }
    const Descriptor* request = command.method->input_type();
    const Descriptor* response = command.method->output_type();
    command.mutating = request->FindFieldByName("request_id") != nullptr;
    std::set<std::string> skip = {"request_id", "update_mask"};
    if (spec.kind == Kind::kCreate || spec.kind == Kind::kUpdate) {
      for (int i = 0; i < request->field_count(); ++i) {
        const FieldDescriptor* field = request->field(i);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated() &&
            field->message_type()->FindFieldByName("etag") != nullptr) {
          command.resource_field = field;
        }
      }
      if (command.resource_field == nullptr) {
        return absl::InternalError(absl::StrCat(spec.method, ": no resource field"));
      }
      skip.insert(command.resource_field->name());
      AddBindings(command.resource_field->message_type(), {command.resource_field}, 1,
                  /*skip_output_only=*/true, {}, &command.flags);
    }
    if (spec.kind == Kind::kList || spec.kind == Kind::kExport) {
      for (int i = 0; i < response->field_count(); ++i) {
        if (response->field(i)->is_repeated() &&
            response->field(i)->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          command.items_field = response->field(i);
        }
      }
      if (command.items_field == nullptr) {
        return absl::InternalError(absl::StrCat(spec.method, ": no repeated items"));
      }
    }
    if (spec.kind != Kind::kImport) {
      AddBindings(request, {}, 0, /*skip_output_only=*/false, skip, &command.flags);
    }
    // An update's name is the resource's (read with Get first), not a request field.
    if (*spec.positional != '\0' && spec.kind != Kind::kImport && spec.kind != Kind::kUpdate &&
        request->FindFieldByName(spec.positional) == nullptr) {
      return absl::InternalError(absl::StrCat(spec.method, ": no field ", spec.positional));
    }
    // Aliases: the row's own first, then the general ones where they fit.
    std::vector<FlagBinding> aliases;
    auto add_alias = [&](absl::string_view alias, absl::string_view canonical) {
      if (command.FindFlag(alias) != nullptr) return;
      for (const FlagBinding& existing : aliases) {
        if (existing.flag == alias) return;
      }
      const FlagBinding* target = command.FindFlag(canonical);
      if (target == nullptr) return;
      FlagBinding binding = *target;
      binding.flag = std::string(alias);
      binding.alias = true;
      aliases.push_back(std::move(binding));
    };
    for (const auto& [alias, canonical] : spec.aliases) add_alias(alias, canonical);
    for (const auto& [alias, canonical] : kAliases) add_alias(alias, canonical);
    for (FlagBinding& alias : aliases) command.flags.push_back(std::move(alias));
    if (std::find(table->resources_.begin(), table->resources_.end(), spec.resource) ==
        table->resources_.end()) {
      table->resources_.push_back(spec.resource);
    }
    table->commands_.push_back(std::move(command));
  }
  return table;
}

const Command* CommandTable::Find(absl::string_view resource, absl::string_view verb) const {
  for (const Command& command : commands_) {
    if (resource == command.spec->resource && verb == command.spec->verb) return &command;
  }
  return nullptr;
}

absl::StatusOr<Invocation> CommandTable::Parse(const std::vector<std::string>& args) const {
  Invocation invocation;
  std::vector<std::string> words;  // resource and verb, before the command is known
  std::string resource;
  bool help = false;
  bool only_positionals = false;
  // Flags before the command is resolved (e.g. `--output json runs list`) wait for it.
  std::vector<std::pair<std::string, std::optional<std::string>>> flags;

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      if (invocation.command == nullptr) {
        words.push_back(arg);
        if (words.size() == 1) {
          for (const Shortcut& shortcut : kShortcuts) {
            if (arg == shortcut.word) invocation.command = Find(shortcut.resource, shortcut.verb);
          }
          if (invocation.command == nullptr) {
            if (std::find(resources_.begin(), resources_.end(), arg) == resources_.end()) {
              return absl::InvalidArgumentError(
                  absl::StrCat("unknown command '", arg, "'; see luban-admin --help"));
            }
            resource = arg;
          }
        } else {
          invocation.command = Find(resource, arg);
          if (invocation.command == nullptr) {
            return absl::InvalidArgumentError(absl::StrCat("unknown command '", resource, " ", arg,
                                                           "'; see luban-admin ", resource,
                                                           " --help"));
          }
        }
      } else {
        invocation.positionals.push_back(arg);
      }
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (arg == "-h" || arg == "--help" || arg == "-help") {
      help = true;
      continue;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (const size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (name == "o") name = "output";
    if (IsSettingFlag(name)) {
      const std::string setting = absl::StrReplaceAll(name, {{"-", "_"}});
      if (!value.has_value()) {
        if (setting == "tls") {
          value = "true";  // a switch
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        }
      }
      invocation.settings.emplace_back(setting, *value);
      continue;
    }
    name = NormalizeFlag(name);
    if (name == "token") {
      return absl::InvalidArgumentError(
          "the token is never taken from the command line (it would show in ps and shell "
          "history); set LUBAN_TOKEN or --token_file");
    }
    if (!value.has_value() && name != "all") {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    flags.emplace_back(name, value);
  }

  if (help || invocation.command == nullptr) {
    if (invocation.command != nullptr) {
      invocation.help = CommandHelp(*invocation.command);
    } else if (!resource.empty()) {
      if (!help) {
        std::vector<std::string> verbs;
        for (const Command& command : commands_) {
          if (resource == command.spec->resource) verbs.push_back(command.spec->verb);
        }
        return absl::InvalidArgumentError(
            absl::StrCat("'", resource, "' needs a verb: ", absl::StrJoin(verbs, ", "),
                         "; see luban-admin ", resource, " --help"));
      }
      invocation.help = ResourceHelp(resource);
    } else {
      if (!help && !flags.empty()) {
        return absl::InvalidArgumentError("no command given; see luban-admin --help");
      }
      invocation.help = TopHelp();
    }
    return invocation;
  }

  const Command& command = *invocation.command;
  const Kind kind = command.spec->kind;
  const std::string full_name = command.FullName();
  auto unknown = [&](absl::string_view flag) {
    return absl::InvalidArgumentError(absl::StrCat(full_name, ": unknown flag --", flag,
                                                   "; see luban-admin ", full_name, " --help"));
  };
  CommonOptions& options = invocation.options;
  for (auto& [name, value] : flags) {
    if (const FlagBinding* binding = command.FindFlag(name); binding != nullptr) {
      invocation.values.emplace_back(binding, *value);
    } else if (name == "output") {
      if (*value != "table" && *value != "json" && *value != "csv") {
        return absl::InvalidArgumentError(
            absl::StrCat(full_name, ": --output must be table, json or csv, not '", *value, "'"));
      }
      options.output = *value;
    } else if (name == "columns" && kind != Kind::kImport) {
      options.columns = *value;
    } else if (name == "all" && kind == Kind::kList) {
      if (value.has_value() && !absl::SimpleAtob(*value, &options.all)) {
        return absl::InvalidArgumentError(absl::StrCat(full_name, ": --all takes no value"));
      }
      if (!value.has_value()) options.all = true;
    } else if (name == "all") {
      return unknown(name);
    } else if (name == "from-json" && (kind == Kind::kCreate || kind == Kind::kUpdate)) {
      options.from_json = *value;
    } else if (name == "request-id" && command.mutating) {
      options.request_id = *value;
    } else if (name == "etag" && kind == Kind::kUpdate) {
      options.etag = *value;
    } else if (name == "update-mask" && kind == Kind::kUpdate) {
      options.update_mask = *value;
    } else if (name == "results" && kind == Kind::kImport) {
      options.results = *value;
    } else if (name == "batch-size" && kind == Kind::kImport) {
      if (!absl::SimpleAtoi(*value, &options.batch_size) || options.batch_size < 1 ||
          options.batch_size > 500) {
        return absl::InvalidArgumentError(
            absl::StrCat(full_name, ": --batch-size must be 1..500, not '", *value, "'"));
      }
    } else {
      return unknown(name);
    }
  }

  const absl::string_view positional = command.spec->positional;
  if (invocation.positionals.size() > (positional.empty() ? 0u : 1u)) {
    return absl::InvalidArgumentError(
        absl::StrCat(full_name, ": unexpected argument '", invocation.positionals.back(), "'"));
  }
  if (!positional.empty() && invocation.positionals.empty()) {
    bool given_as_flag = false;
    for (const auto& [binding, value] : invocation.values) {
      if (binding->path.size() == 1 && binding->path[0]->name() == positional) {
        given_as_flag = true;
      }
    }
    if (!given_as_flag) {
      return absl::InvalidArgumentError(absl::StrCat(full_name, ": missing ",
                                                     absl::AsciiStrToUpper(positional),
                                                     "; see luban-admin ", full_name, " --help"));
    }
  }
  return invocation;
}

std::string CommandTable::TopHelp() const {
  std::string help =
      "luban-admin: the Luban Network admin client for the partner colleges.\n\n"
      "Usage: luban-admin [SETTINGS] RESOURCE VERB [ARGUMENT] [FLAGS]\n"
      "       luban-admin RESOURCE --help         the verbs of a resource\n"
      "       luban-admin RESOURCE VERB --help    the flags of a command\n\n"
      "Resources and verbs:\n";
  for (const std::string& resource : resources_) {
    std::vector<std::string> verbs;
    for (const Command& command : commands_) {
      if (resource == command.spec->resource) verbs.push_back(command.spec->verb);
    }
    absl::StrAppend(&help, Indent(resource, absl::StrJoin(verbs, ", "), 18));
  }
  absl::StrAppend(&help, "\nShortcuts:\n");
  for (const Shortcut& shortcut : kShortcuts) {
    absl::StrAppend(&help, Indent(shortcut.word,
                                  absl::StrCat("= ", shortcut.resource, " ", shortcut.verb), 18));
  }
  absl::StrAppend(
      &help,
      "\nExamples:\n"
      "  luban-admin runs list --workshop workshops/3 --status open\n"
      "  luban-admin enroll --trainee trainees/4 --run courseRuns/2\n"
      "  luban-admin runs cancel 7 --reason \"workshop closed for repairs\"\n"
      "  luban-admin trainees import trainees.csv --results trainees.results.csv\n"
      "  luban-admin certificates verify LW-2026-ABCD-1234\n"
      "  luban-admin audit enrollment --resource trainees/12\n\n"
      "Resource names may be given by id alone where the flag says which collection:\n"
      "--run 2 is --run courseRuns/2. Enum values are lowercase: --status open, --sex female.\n\n"
      "Output (every command):\n"
      "  --output table|json|csv   table (default) aligns columns for people; json writes one\n"
      "                            object per line (JSON Lines) in protobuf's JSON mapping;\n"
      "                            csv writes a header row and one row per resource\n"
      "  --columns A,B,...         columns of table and csv output, as field paths\n"
      "  -o FORMAT                 short for --output\n"
      "Lists show one page and print on stderr how to get the next (--page-token);\n"
      "--all streams every page. Mutations send a request id (random, or --request-id) and\n"
      "are retried with it while the service is unavailable.\n\n"
      "Settings (flag, else environment, else config file key; see tools/cli/client_config.h):\n"
      "  --course_addr HOST:PORT       LUBAN_COURSE_ADDR      (127.0.0.1:50051)\n"
      "  --enrollment_addr HOST:PORT   LUBAN_ENROLLMENT_ADDR  (127.0.0.1:50052)\n"
      "  --exchange_addr HOST:PORT     LUBAN_EXCHANGE_ADDR    (127.0.0.1:50053)\n"
      "  --token_file FILE             LUBAN_TOKEN_FILE; the token itself only as LUBAN_TOKEN\n"
      "                                (never on the command line)\n"
      "  --tls, --tls_ca FILE, --tls_cert FILE, --tls_key FILE, --tls_server_name NAME\n"
      "  --timeout DURATION            LUBAN_TIMEOUT (30s), per call\n"
      "  --config FILE                 LUBAN_CONFIG, else ~/.config/luban/client.conf\n\n"
      "Exit codes: 0 done; 1 other failure; 2 usage, configuration or INVALID_ARGUMENT;\n"
      "3 NOT_FOUND; 4 PERMISSION_DENIED/UNAUTHENTICATED; 5 UNAVAILABLE/DEADLINE_EXCEEDED;\n"
      "6 ALREADY_EXISTS/ABORTED/FAILED_PRECONDITION/RESOURCE_EXHAUSTED; 7 an import with refused "
      "rows.\n");
  return help;
}

std::string CommandTable::ResourceHelp(absl::string_view resource) const {
  std::string help =
      absl::StrCat("Usage: luban-admin ", resource, " VERB [ARGUMENT] [FLAGS]\n\n", "Verbs:\n");
  for (const Command& command : commands_) {
    if (resource != command.spec->resource) continue;
    absl::StrAppend(&help, Indent(command.spec->verb, command.spec->help, 22));
  }
  absl::StrAppend(&help, "\nSee luban-admin ", resource, " VERB --help for a verb's flags.\n");
  return help;
}

std::string CommandTable::CommandHelp(const Command& command) const {
  const CommandSpec& spec = *command.spec;
  std::string usage = absl::StrCat("luban-admin ", spec.resource, " ", spec.verb);
  if (*spec.positional != '\0') {
    absl::StrAppend(&usage, " ", absl::AsciiStrToUpper(spec.positional));
  }
  std::string help = absl::StrCat("Usage: ", usage, " [FLAGS]\n\n", spec.help, "\n",
                                  "RPC: ", command.method->full_name(), "\n");
  if (*spec.positional != '\0' && spec.kind != Kind::kImport) {
    absl::StrAppend(&help, "\n", absl::AsciiStrToUpper(spec.positional), ": ",
                    std::string(spec.positional) == "name"
                        ? absl::StrCat(spec.collection, "/ID (or just ID)")
                        : std::string("the request's ") + spec.positional + " field",
                    "\n");
  }
  absl::StrAppend(&help, "\nFlags:\n");
  for (const FlagBinding& flag : command.flags) {
    if (flag.alias) continue;
    absl::StrAppend(&help, Indent(absl::StrCat("--", flag.flag, " ", flag.hint), "", 52));
  }
  switch (spec.kind) {
    case Kind::kList:
      absl::StrAppend(&help, Indent("--all", "every page, streamed", 52));
      break;
    case Kind::kCreate:
      absl::StrAppend(&help,
                      Indent("--from-json FILE",
                             "the resource in protobuf JSON; flags override its fields", 52));
      break;
    case Kind::kUpdate:
      absl::StrAppend(
          &help,
          Indent("--from-json FILE", "fields to change, protobuf JSON (its etag is checked)", 52),
          Indent("--etag ETAG", "refuse if changed since (default: the current etag)", 52),
          Indent("--update-mask A,B", "fields to change (default: those given)", 52));
      break;
    case Kind::kImport:
      absl::StrAppend(
          &help, Indent("--results PATH", "per-row results (default FILE.results.csv)", 52),
          Indent("--batch-size N", "rows per call, 1..500 (default 500)", 52),
          "\nFILE is CSV (UTF-8, RFC 4180) with a header row naming these columns, in any order\n"
          "(absent columns are left empty):\n"
          "  family_name, given_name          names in the native script\n"
          "  family_name_latin, given_name_latin   names in Latin transliteration\n"
          "  sex                              female | male (or empty)\n"
          "  birth_date                       YYYY-MM-DD\n"
          "  citizenship                      ISO 3166-1 alpha-2, e.g. TJ\n"
          "  document_country                 issuing country of the identity document\n"
          "  document_type                    passport | national_id | residence_permit |\n"
          "                                   birth_certificate\n"
          "  document_number                  as printed\n"
          "  email, phone, address            contacts (optional)\n"
          "  home_workshop                    workshops/ID or ID\n"
          "A trainee whose identity document is already registered is not created again\n"
          "(ALREADY_EXISTED), so running the same file again changes nothing. The results file\n"
          "has one row per data row: line, outcome (CREATED, ALREADY_EXISTED, REFUSED),\n"
          "trainee, error_code, error_message. Exit code 7 when any row was refused.\n");
      break;
    default:
      break;
  }
  if (command.mutating) {
    absl::StrAppend(&help, Indent("--request-id ID", "idempotency key (default: random)", 52));
  }
  absl::StrAppend(&help, Indent("--output table|json|csv", "output format (default table)", 52));
  if (spec.kind != Kind::kImport) {
    absl::StrAppend(&help, Indent("--columns A,B,...", "columns of table/csv output", 52));
  }
  std::vector<std::string> aliases;
  for (const FlagBinding& flag : command.flags) {
    if (!flag.alias) continue;
    for (const FlagBinding& canonical : command.flags) {
      if (!canonical.alias && canonical.path == flag.path) {
        aliases.push_back(absl::StrCat("--", flag.flag, " = --", canonical.flag));
        break;
      }
    }
  }
  if (!aliases.empty()) {
    absl::StrAppend(&help, "\nAliases: ", absl::StrJoin(aliases, ", "), "\n");
  }
  absl::StrAppend(&help, "\nSettings and exit codes: luban-admin --help.\n");
  return help;
}

}  // namespace luban::admin
