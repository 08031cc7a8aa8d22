// luban-admin as a function: parses the command line (see commands.h), loads the client
// settings, calls the service and writes the result; returns the process exit code
// (tools/cli/client_config.h ExitCode). Errors are one line on `err`.
#ifndef LUBAN_TOOLS_ADMIN_ADMIN_H_
#define LUBAN_TOOLS_ADMIN_ADMIN_H_

#include <ostream>
#include <string>
#include <vector>

namespace luban::admin {

// `args` are the arguments after the program name.
int RunAdmin(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_ADMIN_H_
