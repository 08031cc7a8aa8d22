// luban-console: the gateway that serves the web console (see server.ts). Settings come from the
// environment (config.ts); it stops on SIGTERM or SIGINT.
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { configFromEnv } from "./config.js";
import { createGateway } from "./server.js";

const here = path.dirname(fileURLToPath(import.meta.url));

let config;
try {
  // Built into dist-gateway/gateway/: the console is in dist/ beside dist-gateway/.
  config = configFromEnv(process.env, path.resolve(here, "../../dist"));
} catch (error) {
  console.error(`luban-console: ${(error as Error).message}`);
  process.exit(2);
}
const { server } = createGateway(config);
server.listen(config.port, config.host, () => {
  console.error(
    `luban-console: serving http://${config.host}:${config.port}/ ` +
      `(course ${config.course}, enrollment ${config.enrollment}, exchange ${config.exchange}, ` +
      `${config.tls ? (config.tls.cert ? "mutual TLS" : "TLS") : "plaintext"})`,
  );
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();  // open streams (change feeds) would hold the close
  });
}
