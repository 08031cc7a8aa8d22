// The gateway's settings, from its environment (the suite's own names where they exist).
import { readFileSync } from "node:fs";

import { addressList } from "./balance.js";

export interface BackendTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface GatewayConfig {
  host: string;
  port: number;
  // The built console (vite's output).
  staticDir: string;
  // "host:port" of each service's replicas (one or more).
  course: string[];
  enrollment: string[];
  exchange: string[];
  // TLS to the services (their CA; a client certificate for mutual TLS), or none for plaintext.
  tls?: BackendTls;
  // A session ends after this long without a call, and at the latest after sessionMaxSeconds.
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  // Each unary call's deadline when the browser sets none.
  callTimeoutMs: number;
}

// The value of `name`, or `fallback`; throws naming the variable when it is required and unset.
function setting(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`${name} is not set`);
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = setting(env, name, String(fallback));
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name}=${text}: give a whole number above 0`);
  }
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv, defaultStaticDir: string): GatewayConfig {
  const caFile = env.LUBAN_TLS_CA ?? "";
  const certFile = env.LUBAN_TLS_CERT ?? "";
  const keyFile = env.LUBAN_TLS_KEY ?? "";
  if ((certFile === "") !== (keyFile === "")) {
    throw new Error("LUBAN_TLS_CERT and LUBAN_TLS_KEY go together (mutual TLS)");
  }
  if (certFile !== "" && caFile === "") {
    throw new Error("LUBAN_TLS_CERT needs LUBAN_TLS_CA: mutual TLS is TLS first");
  }
  const tls: BackendTls | undefined =
    caFile === ""
      ? undefined
      : {
          ca: readFileSync(caFile),
          cert: certFile === "" ? undefined : readFileSync(certFile),
          key: keyFile === "" ? undefined : readFileSync(keyFile),
        };
  const port = positive(env, "LUBAN_CONSOLE_PORT", 8080);
  if (port > 65535) throw new Error(`LUBAN_CONSOLE_PORT=${port}: give a port, 1..65535`);
  return {
    host: setting(env, "LUBAN_CONSOLE_HOST", "127.0.0.1"),
    port,
    staticDir: setting(env, "LUBAN_CONSOLE_STATIC", defaultStaticDir),
    course: addressList("LUBAN_COURSE_ADDR", setting(env, "LUBAN_COURSE_ADDR")),
    enrollment: addressList("LUBAN_ENROLLMENT_ADDR", setting(env, "LUBAN_ENROLLMENT_ADDR")),
    exchange: addressList("LUBAN_EXCHANGE_ADDR", setting(env, "LUBAN_EXCHANGE_ADDR")),
    tls,
    sessionIdleSeconds: positive(env, "LUBAN_CONSOLE_SESSION_IDLE_SECONDS", 30 * 60),
    sessionMaxSeconds: positive(env, "LUBAN_CONSOLE_SESSION_MAX_SECONDS", 12 * 60 * 60),
    callTimeoutMs: positive(env, "LUBAN_CONSOLE_CALL_TIMEOUT_MS", 30_000),
  };
}
