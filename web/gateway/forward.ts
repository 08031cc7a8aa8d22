// Each service of the suite, served to browsers (Connect, gRPC-Web) by forwarding every call to
// the service over gRPC with the signed-in user's credential: unary calls and server streams
// alike, errors passed through with their code and message.
import type { DescService } from "@bufbuild/protobuf";
import {
  type CallOptions,
  type ConnectRouter,
  type HandlerContext,
  type Transport,
  ConnectError,
  createClient,
} from "@connectrpc/connect";

// The credential (a bearer token) to call with on behalf of the browser, if any.
export type CredentialOf = (context: HandlerContext) => string | undefined;

type Call = (request: unknown, options: CallOptions) => unknown;

// The service's error as the browser gets it: its code and message, without the metadata of the
// gRPC response it came in (content-type: application/grpc, grpc-status...), which would
// otherwise become the headers of the browser's Connect response and make it unreadable.
export function passOn(error: unknown): ConnectError {
  const e = ConnectError.from(error);
  return new ConnectError(e.rawMessage, e.code);
}

async function* passOnStream(stream: AsyncIterable<unknown>): AsyncIterable<unknown> {
  try {
    yield* stream;
  } catch (error) {
    throw passOn(error);
  }
}

export function forwardService(
  router: ConnectRouter,
  service: DescService,
  transport: Transport,
  credentialOf: CredentialOf,
  defaultTimeoutMs: number,
): void {
  const client = createClient(service, transport) as unknown as Record<string, Call>;
  const implementation: Record<string, Call> = {};
  for (const method of service.methods) {
    if (method.methodKind !== "unary" && method.methodKind !== "server_streaming") continue;
    const call = client[method.localName];
    const streaming = method.methodKind === "server_streaming";
    implementation[method.localName] = (request: unknown, options: CallOptions) => {
      const context = options as unknown as HandlerContext;
      const headers = new Headers();
      const token = credentialOf(context);
      if (token !== undefined) headers.set("authorization", `Bearer ${token}`);
      const traceparent = context.requestHeader.get("traceparent");
      if (traceparent !== null) headers.set("traceparent", traceparent);
      const forwarded = {
        headers,
        signal: context.signal,
        // Streams (exports, change feeds) last as long as the browser keeps them open.
        timeoutMs: streaming ? undefined : (context.timeoutMs() ?? defaultTimeoutMs),
      };
      if (streaming) return passOnStream(call(request, forwarded) as AsyncIterable<unknown>);
      return (call(request, forwarded) as Promise<unknown>).catch((error: unknown) => {
        throw passOn(error);
      });
    };
  }
  router.service(service, implementation as never);
}
