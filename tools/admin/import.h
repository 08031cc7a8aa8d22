// `luban-admin trainees import FILE.csv`: creates the trainees of a CSV file through
// EnrollmentService.ImportTrainees, in batches of at most 500 rows, and writes one result row per
// data row to a results file (line, outcome, trainee, error_code, error_message).
//
// Re-running a file changes nothing: the service finds a trainee by identity document and
// answers ALREADY_EXISTED for it. Each batch's request_id is random per run (or
// "<--request-id>-<batch>"), and is kept for the retries of that batch within the run: a retry
// of a batch the service committed is answered from its ledger. (A request_id derived from the
// file alone would make a later run replay the first run's answers, "CREATED" for rows that
// exist, and keep answering a refusal after its cause was fixed.)
//
// Rows the client can already tell are invalid (a malformed date, an unknown sex or document
// type, a wrong number of fields) are reported as REFUSED INVALID_ARGUMENT without being sent;
// the other rows go on.
#ifndef LUBAN_TOOLS_ADMIN_IMPORT_H_
#define LUBAN_TOOLS_ADMIN_IMPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "tools/admin/values.h"
#include "tools/cli/client_config.h"

namespace luban::admin {

// The columns of an import file, from its header row.
class ImportColumns {
 public:
  // Column names (case-insensitive, '-' or '_'): family_name, given_name, family_name_latin,
  // given_name_latin, sex, birth_date, citizenship, document_country, document_type,
  // document_number, email, phone, address, home_workshop. INVALID_ARGUMENT for an unknown or
  // repeated column.
  static absl::StatusOr<ImportColumns> FromHeader(const std::vector<std::string>& header);

  // Fills `trainee` from one data record; INVALID_ARGUMENT naming the column for a bad value or
  // a record with another number of fields than the header. Empty cells leave fields unset.
  absl::Status Fill(const std::vector<std::string>& record,
                    luban::enrollment::v1::Trainee* trainee) const;

  // The names accepted, in documentation order.
  static std::vector<std::string> Names();

 private:
  std::vector<FieldPath> paths_;  // one per column of the file
};

struct ImportOptions {
  std::string file;
  std::string results;          // default: file + ".results.csv"
  int batch_size = 500;         // 1..500
  std::string request_id_base;  // default: random
  bool progress = false;        // a progress line on stderr (when it is a terminal)
};

struct ImportCounts {
  int64_t rows = 0;
  int64_t created = 0;
  int64_t existed = 0;
  int64_t refused = 0;
};

// Runs the import; returns the process exit code (0, 7 with refused rows, or the code of a
// failed call or unreadable file) after writing a summary line on `out` and any error on `err`.
int RunImport(cli::Connections& connections, const google::protobuf::MethodDescriptor& method,
              const ImportOptions& options, std::ostream& out, std::ostream& err,
              ImportCounts* counts = nullptr);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_IMPORT_H_
