// The commands of luban-admin: one table row per RPC (resource, verb, service, method, help,
// extra flag aliases), resolved against the services' protobuf descriptors so that a command's
// flags are the request's fields (for creates and updates: the resource's fields) without being
// listed by hand. Adding an RPC to the CLI is one row in commands.cc.
//
// A command line is
//   luban-admin [SETTINGS] RESOURCE VERB [POSITIONAL] [--flag VALUE | --flag=VALUE ...]
// or a short alias (`enroll`, `withdraw`, `nominate`, `verify`) for a common RESOURCE VERB.
// Flags are the request's (or resource's) field paths with '_' and '.' written as '-'
// (`--identity-document-number`), plus friendlier aliases (`--document-number`, `--run`).
#ifndef LUBAN_TOOLS_ADMIN_COMMANDS_H_
#define LUBAN_TOOLS_ADMIN_COMMANDS_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "tools/admin/values.h"
#include "tools/cli/client_config.h"

namespace luban::admin {

// How a command drives its RPC.
enum class Kind {
  kGet,     // positional name; prints the resource
  kList,    // flags are filters; one page (or every page with --all)
  kCreate,  // flags (or --from-json) fill the resource
  kUpdate,  // positional name; reads the resource, applies flags, sends the changed fields' mask
  kCall,    // any other unary call: flags are the request's fields
  kExport,  // server stream of batches, written as they arrive
  kImport,  // trainees import FILE.csv (see import.h)
};

struct CommandSpec {
  const char* resource;  // "runs"
  const char* verb;      // "list"
  cli::Service service;
  const char* method;  // RPC name in the service: "ListCourseRuns"
  Kind kind;
  const char* positional;  // request field the positional argument sets, or "" for none
  const char* collection;  // collection of `name` fields, for short ids: "courseRuns"
  const char* help;
  // Extra flag -> canonical flag (both without "--") for this command only.
  std::vector<std::pair<const char*, const char*>> aliases;
};

// A flag bound to a request field.
struct FlagBinding {
  std::string flag;  // without "--": "document-number"
  FieldPath path;    // from the request message
  std::string hint;  // "YYYY-MM-DD", "{open|closed}"
  bool alias = false;
};

struct Command {
  const CommandSpec* spec = nullptr;
  const google::protobuf::MethodDescriptor* method = nullptr;
  // Create/update: the request's resource field (e.g. CreateCourseRunRequest.course_run).
  const google::protobuf::FieldDescriptor* resource_field = nullptr;
  // List/export: the response's repeated field of items.
  const google::protobuf::FieldDescriptor* items_field = nullptr;
  // Whether the request carries a request_id (the call changes something).
  bool mutating = false;
  std::vector<FlagBinding> flags;

  std::string FullName() const;  // "runs list"
  const FlagBinding* FindFlag(absl::string_view flag) const;
};

// The options every command knows besides its field flags.
struct CommonOptions {
  std::string output = "table";  // table | json | csv
  std::string columns;           // comma-separated column paths, overriding the defaults
  bool all = false;              // list: every page
  std::string from_json;         // create/update: file of the resource in protobuf JSON
  std::string request_id;        // mutations: instead of a random one
  std::string etag;              // update: instead of the current one
  std::string update_mask;       // update: instead of the fields given
  std::string results;           // import: per-row result file
  int batch_size = 500;          // import: rows per call
};

// A parsed command line.
struct Invocation {
  // Help asked for (or no command given): the text to print, exit 0.
  std::optional<std::string> help;
  const Command* command = nullptr;
  std::vector<std::pair<const FlagBinding*, std::string>> values;  // in command-line order
  std::vector<std::string> positionals;
  CommonOptions options;
  // Client settings given as flags (--course_addr=...), name without "--" -> value.
  std::vector<std::pair<std::string, std::string>> settings;
};

class CommandTable {
 public:
  // Resolves every row against the linked descriptors; INTERNAL if a row names a method or
  // field that does not exist (a programming error caught by the unit tests).
  static absl::StatusOr<std::unique_ptr<CommandTable>> Build();

  const std::vector<Command>& commands() const { return commands_; }
  const Command* Find(absl::string_view resource, absl::string_view verb) const;

  // Parses the arguments after the program name. INVALID_ARGUMENT with one clear sentence for
  // an unknown command or flag, a missing value, or a positional argument too many.
  absl::StatusOr<Invocation> Parse(const std::vector<std::string>& args) const;

  std::string TopHelp() const;
  std::string ResourceHelp(absl::string_view resource) const;
  std::string CommandHelp(const Command& command) const;

 private:
  CommandTable() = default;
  std::vector<Command> commands_;
  std::vector<std::string> resources_;  // in table order
};

// The settings flags of tools/cli/client_config.h, accepted anywhere on the command line.
bool IsSettingFlag(absl::string_view name);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_COMMANDS_H_
