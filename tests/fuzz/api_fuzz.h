// What the request-validator fuzz targets (course_api_fuzz, enrollment_api_fuzz,
// exchange_api_fuzz) share: a table of a service's RPCs built against its descriptor, the
// decoding of an input into (method, caller, request), and the properties every answer to caller
// input must have.
//
// Input layout: byte 0 picks the RPC (modulo the service's method count, in descriptor order),
// byte 1 the caller (role and, for a college admin, its institution), the rest is the request
// message in protobuf binary; inputs that do not parse are rejected (not added to the corpus).
//
// LUBAN_FUZZ_WRITE_SEEDS=<dir> makes a target write its seed requests there (one file per seed,
// in the layout above) and exit, instead of fuzzing: that is how tests/fuzz/corpus/<target> is
// seeded. LUBAN_FUZZ_VERBOSE=1 prints each input's method, caller and status (to see how deep
// the corpus reaches).
#ifndef LUBAN_TESTS_FUZZ_API_FUZZ_H_
#define LUBAN_TESTS_FUZZ_API_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/api/request_parts.h"
#include "common/auth/policy.h"
#include "common/domain/request_context.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "tests/support/api_front.h"

namespace luban::fuzz {

[[noreturn]] inline void Fail(absl::string_view what) {
  std::fprintf(stderr, "[fuzz] property broken: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

// Codes a caller may see for what it sent. INTERNAL and UNKNOWN mean a bug of ours; UNAVAILABLE,
// DEADLINE_EXCEEDED and CANCELLED cannot come from the in-memory fakes (never taken down here).
inline bool IsCallerCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnauthenticated:
      return true;
    default:
      return false;
  }
}

// common/domain/validation.h promises INVALID_ARGUMENT as "<field>: <rule>": a field path of
// lowercase identifiers joined by '.', each optionally indexed ("rows[3].trainee.sex"), then
// ": " and a non-empty rule.
inline bool NamesField(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == 0 || colon == absl::string_view::npos || colon + 2 >= message.size()) return false;
  const absl::string_view field = message.substr(0, colon);
  bool at_start = true;  // of an identifier
  for (size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    if (at_start) {
      if (!absl::ascii_islower(static_cast<unsigned char>(c))) return false;
      at_start = false;
    } else if (c == '.') {
      at_start = true;
    } else if (c == '[') {
      const size_t close = field.find(']', i);
      if (close == absl::string_view::npos || close == i + 1) return false;
      for (size_t k = i + 1; k < close; ++k) {
        if (!absl::ascii_isdigit(static_cast<unsigned char>(field[k]))) return false;
      }
      i = close;
    } else if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return !at_start;
}

// Every field and oneof name of `type` and of the messages it contains (a field path in an error
// may be relative to a nested message: "country_code" of CreateInstitutionRequest.institution).
inline void CollectFieldNames(const google::protobuf::Descriptor* type,
                              absl::flat_hash_set<const google::protobuf::Descriptor*>* seen,
                              absl::flat_hash_set<std::string>* names) {
  if (!seen->insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    names->insert(type->field(i)->name());
    if (type->field(i)->message_type() != nullptr) {
      CollectFieldNames(type->field(i)->message_type(), seen, names);
    }
  }
  for (int i = 0; i < type->oneof_decl_count(); ++i) names->insert(type->oneof_decl(i)->name());
}

// Whether every identifier of the field path before ": " is a field of the request.
inline bool FieldOfRequest(absl::string_view message, const google::protobuf::Descriptor* request) {
  static auto* const by_type = new absl::flat_hash_map<const google::protobuf::Descriptor*,
                                                       absl::flat_hash_set<std::string>>;
  auto [it, added] = by_type->try_emplace(request);
  if (added) {
    absl::flat_hash_set<const google::protobuf::Descriptor*> seen;
    CollectFieldNames(request, &seen, &it->second);
  }
  const absl::string_view path = message.substr(0, message.find(": "));
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!it->second.contains(part.substr(0, part.find('[')))) return false;
  }
  return true;
}

// The properties of every answer to caller input (see IsCallerCode, NamesField and
// FieldOfRequest).
inline void CheckCallerStatus(absl::string_view method, const google::protobuf::Message& request,
                              const absl::Status& status) {
  if (!IsCallerCode(status.code())) {
    Fail(absl::StrCat(method, " answered caller input with ", status.ToString()));
  }
  if (status.code() != absl::StatusCode::kInvalidArgument) return;
  if (!NamesField(status.message())) {
    Fail(absl::StrCat(method,
                      ": INVALID_ARGUMENT without \"<field>: <rule>\": ", status.ToString()));
  }
  if (!FieldOfRequest(status.message(), request.GetDescriptor())) {
    Fail(absl::StrCat(method, ": INVALID_ARGUMENT names no field of ",
                      request.GetDescriptor()->full_name(), ": ", status.ToString()));
  }
}

// The caller byte: role in the low 3 bits (network admins and college admins twice as likely as
// the rest), institution 1..4 of a college admin in the next 2 (for a service, the lower of them
// picks svc-enrollment or svc-exchange); the top 3 are the Env's.
inline Principal CallerOf(uint8_t byte) {
  static constexpr Role kRoles[8] = {Role::kNetworkAdmin, Role::kCollegeAdmin, Role::kReporter,
                                     Role::kService,      Role::kAnonymous,    Role::kNetworkAdmin,
                                     Role::kCollegeAdmin, Role::kReporter};
  Principal principal;
  principal.role = kRoles[byte & 7];
  principal.institution_id = principal.role == Role::kCollegeAdmin ? 1 + ((byte >> 3) & 3) : 0;
  principal.name =
      principal.role == Role::kService
          ? std::string(((byte >> 3) & 1) ? auth::kExchangeService : auth::kEnrollmentService)
          : absl::StrCat("fuzz-", RoleName(principal.role), "-", principal.institution_id);
  return principal;
}

// The caller byte for a given role (and institution; and name, for a service), for seeds.
inline uint8_t CallerByte(Role role, int64_t institution_id = 1, absl::string_view name = "") {
  for (int b = 0; b < 32; ++b) {
    const Principal p = CallerOf(static_cast<uint8_t>(b));
    if (p.role == role && (role != Role::kCollegeAdmin || p.institution_id == institution_id) &&
        (name.empty() || p.name == name)) {
      return static_cast<uint8_t>(b);
    }
  }
  Fail("no caller byte for that role");
}

// A request of a seed, from text format (dies on a typo: seeds are ours).
template <typename Request>
Request Parse(absl::string_view text) {
  Request request;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &request)) {
    Fail(absl::StrCat("seed is not a ", Request::descriptor()->full_name(), ": ", text));
  }
  return request;
}

// The RPCs of one service, in its descriptor's order, each run against a fresh `Env` (the Api
// over seeded fakes, constructed from the caller byte), so that an input's outcome does not
// depend on the inputs before it.
template <typename Env>
class MethodTable {
 public:
  using Call =
      std::function<absl::Status(Env&, const RequestContext&, const google::protobuf::Message&)>;

  // The service is the one `policy` guards (as the server's CallRunner does).
  explicit MethodTable(auth::MethodPolicy policy)
      : service_(policy.service()), policy_(std::move(policy)), entries_(service_->method_count()) {
    // Parsing mutated bytes logs every invalid UTF-8 string field: noise that slows fuzzing.
    google::protobuf::SetLogHandler(nullptr);
  }

  // How `method` (short name) is driven. Dies on a name the service lacks or a request type
  // that is not the method's.
  template <typename Request>
  MethodTable& Add(absl::string_view method,
                   std::function<absl::Status(Env&, const RequestContext&, const Request&)> call) {
    const google::protobuf::MethodDescriptor* descriptor =
        service_->FindMethodByName(std::string(method));
    if (descriptor == nullptr) Fail(absl::StrCat(service_->full_name(), " has no ", method));
    if (descriptor->input_type() != Request::descriptor()) {
      Fail(absl::StrCat(method, " takes ", descriptor->input_type()->full_name()));
    }
    Entry& entry = entries_[descriptor->index()];
    entry.prototype = &Request::default_instance();
    entry.call = [call = std::move(call)](Env& env, const RequestContext& rc,
                                          const google::protobuf::Message& request) {
      return call(env, rc, static_cast<const Request&>(request));
    };
    return *this;
  }

  // Dies when an RPC of the service has no entry: a new RPC must be fuzzed too.
  void CheckComplete() const {
    std::string missing;
    for (int i = 0; i < service_->method_count(); ++i) {
      if (!entries_[i].call) absl::StrAppend(&missing, " ", service_->method(i)->name());
    }
    if (!missing.empty()) {
      Fail(absl::StrCat(service_->full_name(), " methods without a fuzz entry:", missing));
    }
  }

  // One input (layout above). Returns -1 for an input that is not a request (libFuzzer then
  // keeps it out of the corpus).
  int Run(const uint8_t* data, size_t size) const {
    if (size < 2) return -1;
    const int index = data[0] % service_->method_count();
    const Entry& entry = entries_[index];
    const std::string& method = service_->method(index)->name();
    std::unique_ptr<google::protobuf::Message> request(entry.prototype->New());
    if (!request->ParseFromArray(data + 2, static_cast<int>(size - 2))) return -1;

    // As CallRunner does: the method policy first; the Api only sees admitted callers.
    const absl::StatusOr<RequestContext> rc =
        luban::testing::Admit(policy_, CallerOf(data[1]), method, *request);
    if (!rc.ok()) {
      if (rc.status().code() != absl::StatusCode::kPermissionDenied &&
          rc.status().code() != absl::StatusCode::kUnauthenticated) {
        Fail(absl::StrCat(method, ": the policy refused with ", rc.status().ToString()));
      }
      return 0;
    }
    Env env(data[1]);  // the caller byte's high bits may pick a variant of the service's state
    const absl::Status status = entry.call(env, *rc, *request);
    static const bool verbose = std::getenv("LUBAN_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
      std::fprintf(stderr, "[fuzz] %s as %s: %s\n", method.c_str(), rc->principal.name.c_str(),
                   status.ToString().c_str());
    }
    CheckCallerStatus(method, *request, status);
    return 0;
  }

  // Writes each seed as an input file of `dir` (see the top of this file).
  struct Seed {
    std::string method;
    Role role;
    int64_t institution_id;
    std::shared_ptr<const google::protobuf::Message> request;
    std::string principal;  // a service's name; empty for the other roles
  };
  void WriteSeeds(const std::string& dir, const std::vector<Seed>& seeds) const {
    int n = 0;
    for (const Seed& seed : seeds) {
      const google::protobuf::MethodDescriptor* method = service_->FindMethodByName(seed.method);
      if (method == nullptr || method->input_type() != seed.request->GetDescriptor()) {
        Fail(absl::StrCat("seed of ", seed.method, " has the wrong method or type"));
      }
      std::string bytes;
      bytes.push_back(static_cast<char>(method->index()));
      bytes.push_back(
          static_cast<char>(CallerByte(seed.role, seed.institution_id, seed.principal)));
      bytes += seed.request->SerializeAsString();
      const std::string path = absl::StrCat(dir, "/seed-", seed.method, "-", ++n);
      std::ofstream(path, std::ios::binary) << bytes;
    }
    std::fprintf(stderr, "[fuzz] wrote %d seeds to %s\n", n, dir.c_str());
  }

 private:
  struct Entry {
    const google::protobuf::Message* prototype = nullptr;
    Call call;
  };

  const google::protobuf::ServiceDescriptor* service_;
  const auth::MethodPolicy policy_;
  std::vector<Entry> entries_;
};

// A seed: method, caller and request (text format).
template <typename Env, typename Request>
typename MethodTable<Env>::Seed MakeSeed(std::string method, Role role, absl::string_view text,
                                         int64_t institution_id = 1) {
  return {std::move(method), role, institution_id,
          std::make_shared<const Request>(Parse<Request>(text)), ""};
}

// A seed of a call by the service principal `principal` (auth::kEnrollmentService...).
template <typename Env, typename Request>
typename MethodTable<Env>::Seed MakeServiceSeed(std::string method, absl::string_view principal,
                                                absl::string_view text) {
  return {std::move(method), Role::kService, 0,
          std::make_shared<const Request>(Parse<Request>(text)), std::string(principal)};
}

// An export as ServeExport runs it: the request's start, then batches until an empty one.
template <typename Response, typename Request, typename ReadBatch>
absl::Status Export(const Request& request, absl::string_view collection, ReadBatch read_batch) {
  absl::StatusOr<ExportCursor> cursor =
      ExportStart(request.updated_since(), request.after_name(), collection);
  if (!cursor.ok()) return cursor.status();
  for (int batches = 0; batches < 100; ++batches) {
    Response batch;
    if (absl::Status s = read_batch(*cursor, &batch); !s.ok()) return s;
    if (batch.ByteSizeLong() == 0) return absl::OkStatus();
  }
  Fail("an export of a few rows did not end");
}

// Handles LUBAN_FUZZ_WRITE_SEEDS (see the top of this file); returns when it is not set.
template <typename Env>
void MaybeWriteSeeds(const MethodTable<Env>& table,
                     const std::function<std::vector<typename MethodTable<Env>::Seed>()>& seeds) {
  const char* dir = std::getenv("LUBAN_FUZZ_WRITE_SEEDS");
  if (dir == nullptr || *dir == '\0') return;
  table.WriteSeeds(dir, seeds());
  std::exit(0);
}

}  // namespace luban::fuzz

#endif  // LUBAN_TESTS_FUZZ_API_FUZZ_H_
