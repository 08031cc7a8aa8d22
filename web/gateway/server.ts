// The console's gateway: one HTTP server that
//   - serves the built console, with a Content-Security-Policy that allows no inline script;
//   - signs users in with their personal token (POST /session), holding it in a session whose id
//     alone goes to the browser, in an HttpOnly, Secure, SameSite=Strict cookie;
//   - answers the browser's Connect and gRPC-Web calls under /api by forwarding them to the
//     services over gRPC with the session's token (forward.ts).
// Every rule stays in the services: the gateway adds no permission of its own.
import { createReadStream, promises as fs } from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { gzipSync } from "node:zlib";

import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";

import { CourseService } from "../src/gen/luban/course/v1/course_pb.js";
import { CallerSchema } from "../src/gen/luban/common/v1/types_pb.js";
import { EnrollmentService } from "../src/gen/luban/enrollment/v1/enrollment_pb.js";
import { ExchangeService } from "../src/gen/luban/exchange/v1/exchange_pb.js";
import { balancedTransport } from "./balance.js";
import type { GatewayConfig } from "./config.js";
import { forwardService } from "./forward.js";
import { SessionStore, cookieValue } from "./sessions.js";

export const SESSION_COOKIE = "luban_session";

// No inline script anywhere; styles may be inline (the UI library sets some per element).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export type CallerJson = ReturnType<typeof callerJson>;

function callerJson(caller: Parameters<typeof toJson<typeof CallerSchema>>[1]) {
  return toJson(CallerSchema, caller, { alwaysEmitImplicit: true }) as {
    principal: string;
    role: string;
    institution: string;
  };
}

// One service's replicas (balance.ts).
function transportTo(addresses: string[], config: GatewayConfig): Transport {
  return balancedTransport(
    addresses.map((address) =>
      createGrpcTransport({
        baseUrl: `${config.tls ? "https" : "http"}://${address}`,
        nodeOptions: config.tls
          ? { ca: config.tls.ca, cert: config.tls.cert, key: config.tls.key }
          : undefined,
      }),
    ),
  );
}

function securityHeaders(response: http.ServerResponse): void {
  response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  response.setHeader("X-Content-Type-Options", "nosniff");
  response.setHeader("Referrer-Policy", "no-referrer");
  response.setHeader("X-Frame-Options", "DENY");
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export interface Gateway {
  server: http.Server;
  sessions: SessionStore<CallerJson>;
}

export function createGateway(config: GatewayConfig): Gateway {
  const sessions = new SessionStore<CallerJson>(
    config.sessionIdleSeconds * 1000,
    config.sessionMaxSeconds * 1000,
  );
  const transports = {
    course: transportTo(config.course, config),
    enrollment: transportTo(config.enrollment, config),
    exchange: transportTo(config.exchange, config),
  };
  const course = createClient(CourseService, transports.course);
  const tokenOf = (cookies: string | null) =>
    sessions.use(cookieValue(cookies, SESSION_COOKIE))?.token;

  const api = connectNodeAdapter({
    requestPathPrefix: "/api",
    connect: true,
    grpcWeb: true,
    grpc: false,
    routes(router) {
      const credentialOf = (context: { requestHeader: Headers }) =>
        tokenOf(context.requestHeader.get("cookie"));
      forwardService(router, CourseService, transports.course, credentialOf, config.callTimeoutMs);
      forwardService(
        router,
        EnrollmentService,
        transports.enrollment,
        credentialOf,
        config.callTimeoutMs,
      );
      forwardService(router, ExchangeService, transports.exchange, credentialOf, config.callTimeoutMs);
    },
  });

  const cookie = (id: string, maxAge: number) =>
    `${SESSION_COOKIE}=${id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${maxAge}`;

  async function signIn(request: http.IncomingMessage, response: http.ServerResponse) {
    let token = "";
    try {
      const body = JSON.parse(await readBody(request, 4096)) as { token?: unknown };
      if (typeof body.token === "string") token = body.token.trim();
    } catch {
      sendJson(response, 400, { code: "invalid_argument", message: "send {\"token\": \"...\"}" });
      return;
    }
    if (token === "") {
      sendJson(response, 400, { code: "invalid_argument", message: "token: required" });
      return;
    }
    try {
      const caller = await course.getCaller(
        {},
        { headers: { authorization: `Bearer ${token}` }, timeoutMs: config.callTimeoutMs },
      );
      const json = callerJson(caller);
      const id = sessions.create(token, json);
      response.setHeader("Set-Cookie", cookie(id, config.sessionMaxSeconds));
      sendJson(response, 200, json);
    } catch (error) {
      const e = ConnectError.from(error);
      const status = e.code === Code.Unauthenticated ? 401 : e.code === Code.Unavailable ? 503 : 502;
      sendJson(response, status, { code: Code[e.code], message: e.rawMessage });
    }
  }

  async function session(request: http.IncomingMessage, response: http.ServerResponse) {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (request.method === "POST") return signIn(request, response);
    if (request.method === "DELETE") {
      sessions.end(id);
      response.setHeader("Set-Cookie", cookie("", 0));
      return sendJson(response, 200, {});
    }
    if (request.method === "GET") {
      const current = sessions.use(id);
      if (current === undefined) {
        return sendJson(response, 401, { code: "Unauthenticated", message: "not signed in" });
      }
      return sendJson(response, 200, current.caller);
    }
    response.setHeader("Allow", "GET, POST, DELETE");
    return sendJson(response, 405, { code: "invalid_argument", message: "method not allowed" });
  }

  // Built files, gzipped once (per version) when the browser takes gzip.
  const gzipped = new Map<string, Buffer>();
  const root = path.resolve(config.staticDir);

  async function serveStatic(request: http.IncomingMessage, response: http.ServerResponse) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD" });
      response.end();
      return;
    }
    const url = new URL(request.url ?? "/", "http://console");
    let file = path.resolve(root, "." + decodeURIComponent(url.pathname));
    if (!file.startsWith(root + path.sep) && file !== root) file = path.join(root, "index.html");
    const stat = await fs.stat(file).catch(() => undefined);
    // The console's own routes (/runs/12, /verify...) are pages of index.html.
    if (stat === undefined || !stat.isFile()) {
      if (url.pathname.startsWith("/assets/")) {
        response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
        response.end("not found");
        return;
      }
      file = path.join(root, "index.html");
    }
    const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
    const immutable = url.pathname.startsWith("/assets/");
    response.setHeader("Content-Type", type);
    response.setHeader(
      "Cache-Control",
      immutable ? "public, max-age=31536000, immutable" : "no-cache",
    );
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type);
    const current = await fs.stat(file);
    if (compressible && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""))) {
      // Keyed by the file's mtime too: a rebuilt console replaces index.html in place.
      const key = `${file}@${current.mtimeMs}`;
      let body = gzipped.get(key);
      if (body === undefined) {
        body = gzipSync(await fs.readFile(file));
        gzipped.set(key, body);
      }
      response.setHeader("Content-Encoding", "gzip");
      response.setHeader("Vary", "Accept-Encoding");
      response.setHeader("Content-Length", body.length);
      response.end(request.method === "HEAD" ? undefined : body);
      return;
    }
    response.setHeader("Content-Length", current.size);
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    createReadStream(file).pipe(response);
  }

  const server = http.createServer((request, response) => {
    securityHeaders(response);
    const pathname = (request.url ?? "/").split("?")[0];
    const done = (error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { code: "internal", message: "gateway" });
      else response.destroy();
      console.error(`gateway: ${request.method} ${pathname}: ${String(error)}`);
    };
    if (pathname.startsWith("/api/")) {
      api(request, response);
    } else if (pathname === "/session") {
      session(request, response).catch(done);
    } else if (pathname === "/healthz") {
      sendJson(response, 200, { status: "serving" });
    } else {
      serveStatic(request, response).catch(done);
    }
  });
  return { server, sessions };
}
