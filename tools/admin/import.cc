#include "tools/admin/import.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/domain/status_macros.h"
#include "tools/admin/rpc.h"
#include "tools/cli/csv.h"

namespace luban::admin {
namespace {

namespace pb = ::luban::enrollment::v1;
using google::protobuf::Descriptor;

// Column name -> field path in Trainee.
constexpr std::pair<const char*, const char*> kColumns[] = {
    {"family_name", "family_name"},
    {"given_name", "given_name"},
    {"family_name_latin", "family_name_latin"},
    {"given_name_latin", "given_name_latin"},
    {"sex", "sex"},
    {"birth_date", "birth_date"},
    {"citizenship", "citizenship"},
    {"document_country", "identity_document.country_code"},
    {"document_type", "identity_document.type"},
    {"document_number", "identity_document.number"},
    {"email", "contacts.email"},
    {"phone", "contacts.phone"},
    {"address", "contacts.address"},
    {"home_workshop", "home_workshop"},
};

FieldPath PathOf(absl::string_view dotted) {
  FieldPath path;
  const Descriptor* type = pb::Trainee::descriptor();
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    const auto* field = type->FindFieldByName(std::string(part));
    path.push_back(field);
    type = field->message_type();
  }
  return path;
}

// One data row on its way: its line, and the trainee or why it was refused before sending.
struct PendingRow {
  int64_t line = 0;
  std::optional<pb::Trainee> trainee;
  std::string error_message;  // refused locally: INVALID_ARGUMENT
};

std::string RandomBase() {
  absl::BitGen random;
  return absl::StrFormat("import-%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

std::string OutcomeName(pb::ImportOutcome outcome) {
  // "CREATED" for IMPORT_OUTCOME_CREATED.
  return std::string(absl::StripPrefix(pb::ImportOutcome_Name(outcome), "IMPORT_OUTCOME_"));
}

}  // namespace

std::vector<std::string> ImportColumns::Names() {
  std::vector<std::string> names;
  for (const auto& [name, path] : kColumns) names.push_back(name);
  return names;
}

absl::StatusOr<ImportColumns> ImportColumns::FromHeader(const std::vector<std::string>& header) {
  ImportColumns columns;
  std::vector<std::string> seen;
  for (const std::string& raw : header) {
    const std::string name = absl::AsciiStrToLower(
        absl::StrReplaceAll(absl::StripAsciiWhitespace(raw), {{"-", "_"}, {" ", "_"}}));
    const char* path = nullptr;
    for (const auto& [column, field_path] : kColumns) {
      if (name == column) path = field_path;
    }
    if (path == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header: unknown column '", raw, "'; the columns are ", absl::StrJoin(Names(), ", ")));
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat("header: column '", raw, "' twice"));
    }
    seen.push_back(name);
    columns.paths_.push_back(PathOf(path));
  }
  return columns;
}

absl::Status ImportColumns::Fill(const std::vector<std::string>& record,
                                 pb::Trainee* trainee) const {
  if (record.size() != paths_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the row has ", record.size(),
                                                   " fields where the header has ", paths_.size()));
  }
  for (size_t i = 0; i < record.size(); ++i) {
    absl::string_view value = absl::StripAsciiWhitespace(record[i]);
    if (value.empty()) continue;
    std::string text(value);
    if (paths_[i].back()->name() == "sex") {
      const std::string lower = absl::AsciiStrToLower(text);
      if (lower == "f") text = "female";
      if (lower == "m") text = "male";
    }
    LUBAN_RETURN_IF_ERROR(SetFromText(trainee, paths_[i], text, "trainees"));
  }
  return absl::OkStatus();
}

int RunImport(cli::Connections& connections, const google::protobuf::MethodDescriptor& method,
              const ImportOptions& options, std::ostream& out, std::ostream& err,
              ImportCounts* counts_out) {
  constexpr absl::string_view kProgram = "luban-admin";
  const std::string what = absl::StrCat("trainees import ", options.file);
  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    err << kProgram << ": " << what << ": cannot open the file\n";
    return cli::kExitUsage;
  }
  cli::CsvReader reader(in);
  std::vector<std::string> record;
  if (!reader.Next(&record)) {
    err << kProgram << ": " << what << ": "
        << (reader.status().ok() ? std::string("the file is empty (a header row is needed)")
                                 : std::string(reader.status().message()))
        << "\n";
    return cli::kExitUsage;
  }
  auto columns = ImportColumns::FromHeader(record);
  if (!columns.ok()) {
    err << kProgram << ": " << what << ": " << columns.status().message() << "\n";
    return cli::kExitUsage;
  }
  const std::string results_path =
      options.results.empty() ? options.file + ".results.csv" : options.results;
  std::ofstream results(results_path, std::ios::binary | std::ios::trunc);
  if (!results) {
    err << kProgram << ": " << what << ": cannot write the results file " << results_path << "\n";
    return cli::kExitUsage;
  }
  cli::CsvWriter results_csv(results);
  results_csv.WriteRow({"line", "outcome", "trainee", "error_code", "error_message"});

  const std::string base = options.request_id_base.empty() ? RandomBase() : options.request_id_base;
  ImportCounts counts;
  int batch_index = 0;
  std::vector<PendingRow> pending;

  auto progress = [&] {
    if (!options.progress) return;
    err << "\r" << kProgram << ": importing: " << counts.rows << " rows, " << counts.created
        << " created, " << counts.existed << " already existed, " << counts.refused << " refused"
        << std::flush;
  };

  // Sends the rows pending (those not refused locally) and writes every pending row's result,
  // in line order. Returns the failed call's status, if any.
  auto send = [&]() -> grpc::Status {
    pb::ImportTraineesRequest request;
    std::vector<size_t> sent;  // request row -> pending index
    for (size_t i = 0; i < pending.size(); ++i) {
      if (!pending[i].trainee.has_value()) continue;
      *request.add_rows()->mutable_trainee() = *pending[i].trainee;
      sent.push_back(i);
    }
    std::vector<const pb::ImportTraineesResult*> answers(pending.size(), nullptr);
    pb::ImportTraineesResponse response;
    if (!sent.empty()) {
      request.set_request_id(absl::StrCat(base, "-", batch_index));
      const grpc::Status status =
          CallUnary(connections, cli::Service::kEnrollment, method, request, &response);
      if (!status.ok()) return status;
      for (const pb::ImportTraineesResult& result : response.results()) {
        if (result.index() >= 0 && static_cast<size_t>(result.index()) < sent.size()) {
          answers[sent[static_cast<size_t>(result.index())]] = &result;
        }
      }
    }
    ++batch_index;
    for (size_t i = 0; i < pending.size(); ++i) {
      const PendingRow& row = pending[i];
      const std::string line = absl::StrCat(row.line);
      ++counts.rows;
      if (!row.trainee.has_value()) {
        ++counts.refused;
        results_csv.WriteRow({line, "REFUSED", "", "INVALID_ARGUMENT", row.error_message});
        continue;
      }
      const pb::ImportTraineesResult* answer = answers[i];
      if (answer == nullptr) {
        ++counts.refused;
        results_csv.WriteRow({line, "REFUSED", "", "UNKNOWN", "the service gave no result"});
        continue;
      }
      switch (answer->outcome()) {
        case pb::IMPORT_OUTCOME_CREATED:
          ++counts.created;
          break;
        case pb::IMPORT_OUTCOME_ALREADY_EXISTED:
          ++counts.existed;
          break;
        default:
          ++counts.refused;
      }
      results_csv.WriteRow({line, OutcomeName(answer->outcome()), answer->trainee(),
                            answer->error_code(), answer->error_message()});
    }
    results.flush();
    pending.clear();
    progress();
    return grpc::Status::OK;
  };

  int exit_code = cli::kExitOk;
  bool failed = false;
  while (reader.Next(&record)) {
    if (record.size() == 1 && absl::StripAsciiWhitespace(record[0]).empty()) continue;  // blank
    PendingRow row;
    row.line = reader.line();
    pb::Trainee trainee;
    if (auto status = columns->Fill(record, &trainee); status.ok()) {
      row.trainee = std::move(trainee);
    } else {
      row.error_message = std::string(status.message());
    }
    pending.push_back(std::move(row));
    if (pending.size() >= static_cast<size_t>(options.batch_size)) {
      if (const grpc::Status status = send(); !status.ok()) {
        if (options.progress) err << "\n";
        err << cli::ErrorLine(kProgram, what, status) << "\n";
        exit_code = cli::ExitCodeFor(status.error_code());
        failed = true;
        break;
      }
    }
  }
  if (!failed && !reader.status().ok()) {
    // What was read before the damage is still imported and reported.
    if (const grpc::Status status = send(); !status.ok()) {
      err << cli::ErrorLine(kProgram, what, status) << "\n";
      return cli::ExitCodeFor(status.error_code());
    }
    if (options.progress) err << "\n";
    err << kProgram << ": " << what << ": " << reader.status().message() << "\n";
    return cli::kExitUsage;
  }
  if (!failed && !pending.empty()) {
    if (const grpc::Status status = send(); !status.ok()) {
      if (options.progress) err << "\n";
      err << cli::ErrorLine(kProgram, what, status) << "\n";
      exit_code = cli::ExitCodeFor(status.error_code());
      failed = true;
    }
  }
  if (options.progress && !failed) err << "\n";
  if (counts_out != nullptr) *counts_out = counts;
  if (failed) return exit_code;
  out << "imported " << options.file << ": " << counts.rows << " rows, " << counts.created
      << " created, " << counts.existed << " already existed, " << counts.refused
      << " refused; results in " << results_path << "\n";
  return counts.refused > 0 ? cli::kExitPartial : cli::kExitOk;
}

}  // namespace luban::admin
