// luban-admin: the partner colleges' admin client. See `luban-admin --help`.
#include <iostream>
#include <string>
#include <vector>

#include "common/client/channel.h"
#include "tools/admin/admin.h"

int main(int argc, char** argv) {
  luban::client::SkipOpenSslCleanupAtExit();  // before gRPC initialises OpenSSL
  std::vector<std::string> args(argv + 1, argv + argc);
  const int code = luban::admin::RunAdmin(args, std::cout, std::cerr);
  std::cout.flush();
  return code;
}
