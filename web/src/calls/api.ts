// The services as the console calls them: through the gateway (/api), which adds the signed-in
// user's credential from the session cookie. Clients are generated from protos/.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

import { CourseService } from "../gen/luban/course/v1/course_pb.js";
import { EnrollmentService } from "../gen/luban/enrollment/v1/enrollment_pb.js";
import { ExchangeService } from "../gen/luban/exchange/v1/exchange_pb.js";

const transport = createConnectTransport({
  baseUrl: "/api",
  useBinaryFormat: true,
  fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
});

export const course = createClient(CourseService, transport);
export const enrollment = createClient(EnrollmentService, transport);
export const exchange = createClient(ExchangeService, transport);

// A request id for a mutation: the services answer a retry with the same id from their ledger,
// so a double click or a resent request changes nothing twice.
export function newRequestId(): string {
  return crypto.randomUUID();
}
