// The gateway's forwarding, end to end in one process: the console's own clients (Connect and
// gRPC-Web over fetch, as in the browser) call the gateway, which forwards to a fake upstream that
// speaks gRPC over HTTP/2 and requires mutual TLS, like the services in compose and Kubernetes.
// Certificates are throwaway ones from scripts/tls-certs (the tool scripts/dev uses).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { TLSSocket } from "node:tls";
import { fileURLToPath } from "node:url";

import {
  Code,
  ConnectError,
  createClient,
  type ConnectRouter,
  type HandlerContext,
  type Transport,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Role } from "../src/gen/luban/common/v1/types_pb.js";
import { CourseService } from "../src/gen/luban/course/v1/course_pb.js";
import { EnrollmentService } from "../src/gen/luban/enrollment/v1/enrollment_pb.js";
import { configFromEnv } from "./config.js";
import { SESSION_COOKIE, createGateway } from "./server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = "session-token-of-tju-admin";

// A promise with its resolve function outside, for the upstream and the test to meet on.
function signal<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

// --- the fake upstream -------------------------------------------------------------------------

// One call as the upstream received it.
interface Received {
  path: string;
  authorization: string | null;
  // The common name of the client certificate the TLS connection presented.
  peer: string | undefined;
}

interface Upstream {
  address: string;
  received: Received[];
  close(): Promise<void>;
}

function bearer(context: HandlerContext): string | undefined {
  const value = context.requestHeader.get("authorization");
  return value?.startsWith("Bearer ") ? value.slice("Bearer ".length) : undefined;
}

function requireToken(context: HandlerContext): void {
  if (bearer(context) !== TOKEN) {
    throw new ConnectError("no valid credential", Code.Unauthenticated);
  }
}

// What the test controls of the streams: when the second export batch may go, and whether the
// upstream saw the browser's cancellation of a change feed.
const exportSecondBatch = signal();
const feedCancelled = signal<string>();

function routes(router: ConnectRouter): void {
  router.service(CourseService, {
    getCaller(_request, context) {
      requireToken(context);
      return { principal: "tju-admin", role: Role.COLLEGE_ADMIN, institution: "institutions/3" };
    },
    getCourseRun(request, context) {
      requireToken(context);
      return { name: request.name, capacity: 12, languageCode: "ru" };
    },
    startCourseRun(request) {
      // Non-ASCII on purpose: gRPC percent-encodes the message in a trailer.
      throw new ConnectError(
        `${request.name} is not open: 只有开放的课程班才能开始`,
        Code.FailedPrecondition,
      );
    },
  });
  router.service(EnrollmentService, {
    async *exportTrainees(_request, context) {
      requireToken(context);
      yield { trainees: [{ name: "trainees/1" }, { name: "trainees/2" }] };
      // The second batch only once the browser has the first: a gateway that gathered the
      // stream before answering would never deliver the first.
      await exportSecondBatch.promise;
      yield { trainees: [{ name: "trainees/3" }] };
    },
    async *exportEnrollments(_request, context) {
      requireToken(context);
      yield { enrollments: [{ name: "enrollments/1" }] };
      throw new ConnectError("the export was interrupted", Code.Unavailable);
    },
    async *watchChanges(_request, context) {
      requireToken(context);
      yield { lastSequence: 41n };
      // Open until the caller goes away, as a change feed is.
      await new Promise<void>((resolve) => {
        context.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      feedCancelled.resolve(String(context.signal.reason));
    },
  });
}

async function startUpstream(dir: string): Promise<Upstream> {
  const read = (name: string) => readFileSync(path.join(dir, name));
  const received: Received[] = [];
  const adapter = connectNodeAdapter({ grpc: true, connect: false, grpcWeb: false, routes });
  const server = http2.createSecureServer(
    {
      ca: read("ca.pem"),
      cert: read("upstream.pem"),
      key: read("upstream.key"),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const socket = request.stream.session?.socket as TLSSocket | undefined;
      const commonName = socket?.getPeerCertificate().subject?.CN;
      received.push({
        path: request.url,
        authorization: request.headers.authorization ?? null,
        peer: Array.isArray(commonName) ? commonName.join(",") : commonName,
      });
      adapter(request, response);
    },
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

// --- the gateway, and the browser's side of it -------------------------------------------------

interface RunningGateway {
  url: string;
  close(): void;
}

async function startGateway(
  upstream: string,
  tls: Record<string, string>,
): Promise<RunningGateway> {
  const config = configFromEnv(
    {
      LUBAN_COURSE_ADDR: upstream,
      LUBAN_ENROLLMENT_ADDR: upstream,
      LUBAN_EXCHANGE_ADDR: upstream,
      LUBAN_CONSOLE_CALL_TIMEOUT_MS: "10000",
      ...tls,
    },
    here,
  );
  const { server } = createGateway(config);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

// Signs in as the browser does; returns the Cookie header the browser would send after it.
async function signIn(gateway: string): Promise<string> {
  const response = await fetch(`${gateway}/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: TOKEN }),
  });
  expect(response.status).toBe(200);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
  expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
  expect(cookie).not.toContain(TOKEN);
  return cookie;
}

// The console's transport (web/src/app/api.ts: Connect, binary, over fetch), or gRPC-Web, with the
// browser's cookie and, to show that it goes nowhere, a credential of the browser's own.
function browserTransport(
  gateway: string,
  cookie: string | undefined,
  protocol: "connect" | "grpc-web" = "connect",
): Transport {
  const options = {
    baseUrl: `${gateway}/api`,
    useBinaryFormat: true,
    fetch: (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      if (cookie !== undefined) headers.set("cookie", cookie);
      headers.set("authorization", "Bearer what-the-browser-says");
      return fetch(input, { ...init, headers });
    },
  };
  return protocol === "connect" ? createConnectTransport(options) : createGrpcWebTransport(options);
}

async function expectError(call: Promise<unknown>, code: Code, message: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should fail").toBeInstanceOf(ConnectError);
  expect(Code[(error as ConnectError).code]).toBe(Code[code]);
  expect((error as ConnectError).rawMessage).toBe(message);
}

// --- the tests ---------------------------------------------------------------------------------

describe("the gateway forwarding to a gRPC upstream over mutual TLS", () => {
  let certs: string;
  let upstream: Upstream;
  let gateway: RunningGateway;
  let cookie: string;
  const tlsEnv = () => ({
    LUBAN_TLS_CA: path.join(certs, "ca.pem"),
    LUBAN_TLS_CERT: path.join(certs, "client.pem"),
    LUBAN_TLS_KEY: path.join(certs, "client.key"),
  });
  const calls = (method: string) => upstream.received.filter((r) => r.path.endsWith(`/${method}`));

  beforeAll(async () => {
    certs = mkdtempSync(path.join(tmpdir(), "luban-gateway-test-"));
    const tlsCerts = path.resolve(here, "../../scripts/tls-certs");
    execFileSync(tlsCerts, [certs, "upstream", "client"], { stdio: "pipe" });
    // A client certificate of another CA, which the upstream must refuse.
    execFileSync(tlsCerts, [path.join(certs, "other"), "client"], { stdio: "pipe" });
    upstream = await startUpstream(certs);
    gateway = await startGateway(upstream.address, tlsEnv());
    cookie = await signIn(gateway.url);
  });

  afterAll(async () => {
    gateway?.close();
    await upstream?.close();
    if (certs) rmSync(certs, { recursive: true, force: true });
  });

  it("signs in by asking the upstream who the token is", () => {
    const signIns = calls("GetCaller");
    expect(signIns).toHaveLength(1);
    expect(signIns[0].authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("forwards a unary call with the session's credential, never the browser's", async () => {
    const course = createClient(CourseService, browserTransport(gateway.url, cookie));
    const run = await course.getCourseRun({ name: "courseRuns/7" });
    expect(run.name).toBe("courseRuns/7");
    expect(run.capacity).toBe(12);
    expect(calls("GetCourseRun").map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`]);

    // Without a session the call goes with no credential at all, whatever the browser sends.
    const anonymous = createClient(CourseService, browserTransport(gateway.url, undefined));
    await expectError(
      anonymous.getCourseRun({ name: "courseRuns/7" }),
      Code.Unauthenticated,
      "no valid credential",
    );
    expect(calls("GetCourseRun").map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`, null]);
  });

  it("passes the upstream's error code and message through as a Connect error", async () => {
    const course = createClient(CourseService, browserTransport(gateway.url, cookie));
    const message = "courseRuns/7 is not open: 只有开放的课程班才能开始";
    await expectError(
      course.startCourseRun({ name: "courseRuns/7" }),
      Code.FailedPrecondition,
      message,
    );

    // On the wire, what a browser reads: Connect's JSON error, none of gRPC's own headers.
    const response = await fetch(
      `${gateway.url}/api/luban.course.v1.CourseService/StartCourseRun`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Cookie: cookie },
        body: JSON.stringify({ name: "courseRuns/7" }),
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("grpc-status")).toBeNull();
    expect(await response.json()).toEqual({ code: "failed_precondition", message });
  });

  it("forwards a server stream message by message, then its end", async () => {
    const enrollment = createClient(EnrollmentService, browserTransport(gateway.url, cookie));
    const stream = enrollment.exportTrainees({})[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(first.value?.trainees.map((t: { name: string }) => t.name)).toEqual([
      "trainees/1",
      "trainees/2",
    ]);
    exportSecondBatch.resolve();
    const second = await stream.next();
    expect(second.value?.trainees.map((t: { name: string }) => t.name)).toEqual(["trainees/3"]);
    expect((await stream.next()).done).toBe(true);
    expect(calls("ExportTrainees").map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it("ends a stream with the upstream's error after its earlier messages (gRPC-Web)", async () => {
    const enrollment = createClient(
      EnrollmentService,
      browserTransport(gateway.url, cookie, "grpc-web"),
    );
    const names: string[] = [];
    const error = await (async () => {
      for await (const batch of enrollment.exportEnrollments({})) {
        names.push(...batch.enrollments.map((e) => e.name));
      }
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(names).toEqual(["enrollments/1"]);
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe("the export was interrupted");
  });

  it("cancels the upstream's stream when the browser closes it", async () => {
    const enrollment = createClient(EnrollmentService, browserTransport(gateway.url, cookie));
    const closed = new AbortController();
    const feed = enrollment.watchChanges({}, { signal: closed.signal })[Symbol.asyncIterator]();
    expect((await feed.next()).value?.lastSequence).toBe(41n);
    closed.abort();
    await feed.next().catch(() => undefined);
    // Resolves only when the upstream's call was cancelled (else the test times out).
    await feedCancelled.promise;
  });

  it("presents its client certificate to the upstream", () => {
    expect(upstream.received.length).toBeGreaterThan(0);
    expect(new Set(upstream.received.map((r) => r.peer))).toEqual(new Set(["client"]));
  });

  it("reaches no upstream that requires a client certificate without a valid one", async () => {
    const before = upstream.received.length;
    const refusals: Record<string, string>[] = [
      { LUBAN_TLS_CA: path.join(certs, "ca.pem") },
      {
        LUBAN_TLS_CA: path.join(certs, "ca.pem"),
        LUBAN_TLS_CERT: path.join(certs, "other/client.pem"),
        LUBAN_TLS_KEY: path.join(certs, "other/client.key"),
      },
    ];
    for (const tls of refusals) {
      const refused = await startGateway(upstream.address, tls);
      try {
        const response = await fetch(`${refused.url}/session`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: TOKEN }),
        });
        // No session: the upstream ended the connection at the handshake (TLS 1.3 tells the
        // client after its first flight, so the error's wording varies; the status does not).
        expect(response.status).toBe(502);
        expect(response.headers.get("set-cookie")).toBeNull();
      } finally {
        refused.close();
      }
    }
    expect(upstream.received.length).toBe(before);
  });
});
