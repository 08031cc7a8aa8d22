#include "tools/admin/admin.h"

#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "absl/flags/reflection.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/domain/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/admin/commands.h"
#include "tools/admin/import.h"
#include "tools/admin/render.h"
#include "tools/admin/rpc.h"
#include "tools/cli/client_config.h"

namespace luban::admin {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kProgram = "luban-admin";

int UsageError(std::ostream& err, absl::string_view message) {
  err << kProgram << ": " << message << "\n";
  return cli::kExitUsage;
}

int CallError(std::ostream& err, absl::string_view what, const grpc::Status& status) {
  std::string line = cli::ErrorLine(kProgram, what, status);
  if (line.empty() || line.back() != '\n') line.push_back('\n');
  err << line;
  return cli::ExitCodeFor(status.error_code());
}

std::string RandomRequestId() {
  absl::BitGen random;
  return absl::StrFormat("admin-%016x%016x", absl::Uniform<uint64_t>(random),
                         absl::Uniform<uint64_t>(random));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Applies the settings flags to the absl flags of tools/cli/client_config.cc.
absl::Status ApplySettings(const std::vector<std::pair<std::string, std::string>>& settings) {
  for (const auto& [name, value] : settings) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " is not supported"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

// Sets the request's fields from the positional argument and the flags, in command-line order.
// A repeated field given by flags replaces what the request held (e.g. from --from-json or the
// current resource of an update).
absl::Status ApplyValues(const Invocation& invocation, Message* request) {
  const Command& command = *invocation.command;
  const std::string collection = command.spec->collection;
  if (!invocation.positionals.empty() && command.spec->kind != Kind::kImport) {
    const FieldDescriptor* field =
        request->GetDescriptor()->FindFieldByName(command.spec->positional);
    LUBAN_RETURN_IF_ERROR(SetFromText(request, {field}, invocation.positionals[0], collection));
  }
  std::set<const FieldDescriptor*> cleared;
  for (const auto& [binding, value] : invocation.values) {
    const FieldDescriptor* leaf = binding->path.back();
    if (leaf->is_repeated() && cleared.insert(leaf).second) {
      Message* parent = request;
      for (size_t i = 0; i + 1 < binding->path.size(); ++i) {
        parent = parent->GetReflection()->MutableMessage(parent, binding->path[i]);
      }
      parent->GetReflection()->ClearField(parent, leaf);
    }
    if (auto s = SetFromText(request, binding->path, value, collection); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", binding->flag, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

void SetString(Message* message, absl::string_view field, absl::string_view value) {
  const FieldDescriptor* descriptor = message->GetDescriptor()->FindFieldByName(std::string(field));
  if (descriptor != nullptr) {
    message->GetReflection()->SetString(message, descriptor, std::string(value));
  }
}

std::string GetString(const Message& message, absl::string_view field) {
  const FieldDescriptor* descriptor = message.GetDescriptor()->FindFieldByName(std::string(field));
  if (descriptor == nullptr || descriptor->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
      descriptor->is_repeated()) {
    return "";
  }
  return message.GetReflection()->GetString(message, descriptor);
}

class Runner {
 public:
  Runner(const Invocation& invocation, cli::Connections& connections, Format format,
         std::ostream& out, std::ostream& err)
      : invocation_(invocation),
        command_(*invocation.command),
        connections_(connections),
        format_(format),
        out_(out),
        err_(err) {}

  int Run() {
    what_ = command_.FullName();
    if (!invocation_.positionals.empty()) absl::StrAppend(&what_, " ", invocation_.positionals[0]);
    switch (command_.spec->kind) {
      case Kind::kGet:
      case Kind::kCall:
        return Call();
      case Kind::kList:
        return List();
      case Kind::kCreate:
        return Create();
      case Kind::kUpdate:
        return Update();
      case Kind::kExport:
        return Export();
      case Kind::kImport:
        return Import();
    }
    return cli::kExitFailure;
  }

 private:
  cli::Service service() const { return command_.spec->service; }

  std::unique_ptr<Message> NewRequest() const { return NewMessage(command_.method->input_type()); }

  void SetRequestId(Message* request) const {
    if (!command_.mutating) return;
    SetString(request, "request_id",
              invocation_.options.request_id.empty() ? RandomRequestId()
                                                     : invocation_.options.request_id);
  }

  // Columns asked for with --columns, else nullptr (the default layout).
  absl::StatusOr<std::unique_ptr<std::vector<Column>>> AskedColumns(const Descriptor* type) const {
    if (invocation_.options.columns.empty()) return nullptr;
    LUBAN_ASSIGN_OR_RETURN(auto columns, ColumnsFor(type, format_, invocation_.options.columns));
    return std::make_unique<std::vector<Column>>(std::move(columns));
  }

  int Write(const Message& request, const Message& response) {
    if (response.GetDescriptor()->field_count() == 0) {
      // A deletion answers nothing: say what was done.
      if (format_ == Format::kJson) {
        out_ << "{}\n";
      } else {
        out_ << command_.spec->verb << "d " << GetString(request, "name") << "\n";
      }
      return cli::kExitOk;
    }
    auto columns = AskedColumns(response.GetDescriptor());
    if (!columns.ok()) return UsageError(err_, columns.status().message());
    WriteResource(format_, response, columns->get(), out_);
    return cli::kExitOk;
  }

  int Send(const Message& request) {
    std::unique_ptr<Message> response = NewMessage(command_.method->output_type());
    const grpc::Status status =
        CallUnary(connections_, service(), *command_.method, request, response.get());
    if (!status.ok()) return CallError(err_, what_, status);
    return Write(request, *response);
  }

  int Call() {
    std::unique_ptr<Message> request = NewRequest();
    if (auto s = ApplyValues(invocation_, request.get()); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    SetRequestId(request.get());
    return Send(*request);
  }

  int List() {
    std::unique_ptr<Message> request = NewRequest();
    if (auto s = ApplyValues(invocation_, request.get()); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    const Descriptor* item_type = command_.items_field->message_type();
    auto columns = ColumnsFor(item_type, format_, invocation_.options.columns);
    if (!columns.ok()) return UsageError(err_, columns.status().message());
    ItemWriter writer(format_, *std::move(columns), out_);
    std::unique_ptr<Message> response = NewMessage(command_.method->output_type());
    const Reflection* reflection = response->GetReflection();
    std::string next;
    for (;;) {
      const grpc::Status status =
          CallUnary(connections_, service(), *command_.method, *request, response.get());
      if (!status.ok()) {
        writer.Flush();
        return CallError(err_, what_, status);
      }
      const int size = reflection->FieldSize(*response, command_.items_field);
      for (int i = 0; i < size; ++i) {
        writer.Add(reflection->GetRepeatedMessage(*response, command_.items_field, i));
      }
      writer.Flush();
      next = GetString(*response, "next_page_token");
      if (!invocation_.options.all || next.empty()) break;
      SetString(request.get(), "page_token", next);
    }
    if (!next.empty()) {
      err_ << kProgram << ": more results: add --page-token " << next
           << " for the next page, or --all for every page\n";
    }
    return cli::kExitOk;
  }

  // Reads --from-json into `resource`; the names of the fields it set go to `fields`.
  absl::Status ReadJson(Message* resource, std::vector<std::string>* fields) const {
    if (invocation_.options.from_json.empty()) return absl::OkStatus();
    LUBAN_ASSIGN_OR_RETURN(auto text, ReadFile(invocation_.options.from_json));
    std::unique_ptr<Message> parsed(resource->New());
    google::protobuf::util::JsonParseOptions options;
    const auto status = google::protobuf::util::JsonStringToMessage(text, parsed.get(), options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--from-json ", invocation_.options.from_json,
                                                     ": ", std::string(status.message())));
    }
    // Output-only fields (say, of a resource saved with `get -o json`) are not changes; an
    // etag in the file guards the update like --etag.
    static const std::set<std::string> kNotChanges = {
        "name",          "etag",     "create_time", "update_time",    "status",
        "state",         "redacted", "birth_year",  "approved_count", "partner_country_code",
        "cancel_reason", "decisions"};
    const std::string name = GetString(*resource, "name");
    std::vector<const FieldDescriptor*> set;
    parsed->GetReflection()->ListFields(*parsed, &set);
    for (const FieldDescriptor* field : set) {
      resource->GetReflection()->ClearField(resource, field);
      if (kNotChanges.count(field->name()) == 0) fields->push_back(field->name());
    }
    resource->MergeFrom(*parsed);
    if (!name.empty()) SetString(resource, "name", name);  // the command line names it
    return absl::OkStatus();
  }

  int Create() {
    std::unique_ptr<Message> request = NewRequest();
    Message* resource =
        request->GetReflection()->MutableMessage(request.get(), command_.resource_field);
    std::vector<std::string> ignored;
    if (auto s = ReadJson(resource, &ignored); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    if (auto s = ApplyValues(invocation_, request.get()); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    SetRequestId(request.get());
    return Send(*request);
  }

  int Update() {
    const Descriptor* resource_type = command_.resource_field->message_type();
    // The current state: its etag guards the change, and flags change only what they name.
    const auto* get =
        command_.method->service()->FindMethodByName(absl::StrCat("Get", resource_type->name()));
    if (get == nullptr) return UsageError(err_, "no Get method for " + resource_type->name());
    std::unique_ptr<Message> request = NewRequest();
    std::unique_ptr<Message> get_request = NewMessage(get->input_type());
    if (auto s =
            SetFromText(get_request.get(), {get_request->GetDescriptor()->FindFieldByName("name")},
                        invocation_.positionals.front(), command_.spec->collection);
        !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    Message* resource =
        request->GetReflection()->MutableMessage(request.get(), command_.resource_field);
    const grpc::Status got = CallUnary(connections_, service(), *get, *get_request, resource);
    if (!got.ok()) return CallError(err_, what_, got);

    std::vector<std::string> mask;
    if (auto s = ReadJson(resource, &mask); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    Invocation flags_only = invocation_;
    flags_only.positionals.clear();  // the name is already set, from the service
    if (auto s = ApplyValues(flags_only, request.get()); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    for (const auto& [binding, value] : invocation_.values) {
      if (binding->path.size() >= 2 && binding->path[0] == command_.resource_field) {
        mask.push_back(binding->path[1]->name());
      }
    }
    if (!invocation_.options.update_mask.empty()) {
      mask = absl::StrSplit(invocation_.options.update_mask, ',', absl::SkipWhitespace());
    }
    if (mask.empty()) {
      return UsageError(err_, absl::StrCat(command_.FullName(),
                                           ": nothing to change; give field flags or "
                                           "--from-json (see --help)"));
    }
    if (!invocation_.options.etag.empty()) SetString(resource, "etag", invocation_.options.etag);
    const FieldDescriptor* mask_field = request->GetDescriptor()->FindFieldByName("update_mask");
    Message* field_mask = request->GetReflection()->MutableMessage(request.get(), mask_field);
    const FieldDescriptor* paths = field_mask->GetDescriptor()->FindFieldByName("paths");
    std::set<std::string> added;
    for (const std::string& path : mask) {
      if (added.insert(path).second) {
        field_mask->GetReflection()->AddString(field_mask, paths, path);
      }
    }
    SetRequestId(request.get());
    return Send(*request);
  }

  int Export() {
    std::unique_ptr<Message> request = NewRequest();
    if (auto s = ApplyValues(invocation_, request.get()); !s.ok()) {
      return UsageError(err_, absl::StrCat(command_.FullName(), ": ", s.message()));
    }
    auto columns =
        ColumnsFor(command_.items_field->message_type(), format_, invocation_.options.columns);
    if (!columns.ok()) return UsageError(err_, columns.status().message());
    ItemWriter writer(format_, *std::move(columns), out_);
    const FieldDescriptor* items = command_.items_field;
    const grpc::Status status = CallServerStream(
        connections_, service(), *command_.method, *request, [&](const Message& batch) {
          const Reflection* reflection = batch.GetReflection();
          const int size = reflection->FieldSize(batch, items);
          for (int i = 0; i < size; ++i) {
            writer.Add(reflection->GetRepeatedMessage(batch, items, i));
          }
          writer.Flush();
        });
    writer.Flush();
    if (!status.ok()) return CallError(err_, what_, status);
    return cli::kExitOk;
  }

  int Import() {
    ImportOptions options;
    options.file = invocation_.positionals.front();
    options.results = invocation_.options.results;
    options.batch_size = invocation_.options.batch_size;
    options.request_id_base = invocation_.options.request_id;
    options.progress = isatty(STDERR_FILENO) == 1;
    return RunImport(connections_, *command_.method, options, out_, err_);
  }

  const Invocation& invocation_;
  const Command& command_;
  cli::Connections& connections_;
  const Format format_;
  std::ostream& out_;
  std::ostream& err_;
  std::string what_;
};

}  // namespace

int RunAdmin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  static absl::StatusOr<std::unique_ptr<CommandTable>> built = CommandTable::Build();
  if (!built.ok()) {
    err << kProgram << ": internal error: " << built.status().message() << "\n";
    return cli::kExitFailure;
  }
  const CommandTable* table = built->get();
  auto invocation = table->Parse(args);
  if (!invocation.ok()) return UsageError(err, invocation.status().message());
  if (invocation->help.has_value()) {
    out << *invocation->help;
    return cli::kExitOk;
  }
  if (auto s = ApplySettings(invocation->settings); !s.ok()) return UsageError(err, s.message());
  auto format = ParseFormat(invocation->options.output);
  if (!format.ok()) return UsageError(err, format.status().message());
  auto config = cli::LoadClientConfig();
  if (!config.ok()) return UsageError(err, config.status().message());
  cli::Connections connections(*std::move(config));
  Runner runner(*invocation, connections, *format, out, err);
  return runner.Run();
}

}  // namespace luban::admin
