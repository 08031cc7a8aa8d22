// Errors as people need them: what went wrong in the page's language where the code says it, the
// service's own words (the field and the rule) kept, never a stack.
import { Code, ConnectError } from "@connectrpc/connect";

import type { MessageKey } from "./messages.js";

export interface ShownError {
  // What happened, to be translated.
  key: MessageKey;
  // The service's message (names the field and the rule), if it says something useful.
  detail: string;
  code: Code | undefined;
}

const BY_CODE: Partial<Record<Code, MessageKey>> = {
  [Code.InvalidArgument]: "error.invalid",
  [Code.FailedPrecondition]: "error.precondition",
  [Code.NotFound]: "error.notFound",
  [Code.AlreadyExists]: "error.exists",
  [Code.PermissionDenied]: "error.denied",
  [Code.Unauthenticated]: "error.signIn",
  [Code.Unavailable]: "error.unavailable",
  [Code.DeadlineExceeded]: "error.unavailable",
  [Code.ResourceExhausted]: "error.busy",
  [Code.Aborted]: "error.conflict",
};

export function showError(error: unknown): ShownError {
  const e = ConnectError.from(error);
  const key = BY_CODE[e.code] ?? "error.unexpected";
  // UNAVAILABLE and internal errors carry nothing a user can act on beyond "try again".
  const detail =
    key === "error.unavailable" || key === "error.unexpected" || key === "error.busy"
      ? ""
      : e.rawMessage;
  return { key, detail, code: e.code };
}

export function isUnauthenticated(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Unauthenticated;
}
