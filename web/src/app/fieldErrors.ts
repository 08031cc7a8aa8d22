// The field a service's refusal names: the services answer INVALID_ARGUMENT (and ALREADY_EXISTS
// for a document) as "field: rule", e.g. "contacts.email: an e-mail address such as
// name@example.tj" or "trainee.birth_date: ...", so that a form can show the rule at its field.
import { Code, ConnectError } from "@connectrpc/connect";

export interface FieldError {
  // The field's path in the resource, without the request's wrapper ("trainee.").
  field: string;
  rule: string;
}

const FIELD_CODES = new Set([Code.InvalidArgument, Code.AlreadyExists, Code.NotFound]);

// The field and rule of a refusal, or undefined when it names no field. `wrapper` is the request
// field holding the resource ("trainee"), dropped from the path.
export function fieldError(error: unknown, wrapper = ""): FieldError | undefined {
  const e = ConnectError.from(error);
  if (!FIELD_CODES.has(e.code)) return undefined;
  return parseFieldMessage(e.rawMessage, wrapper);
}

export function parseFieldMessage(message: string, wrapper = ""): FieldError | undefined {
  const m = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*): (.+)$/s.exec(message);
  if (!m) return undefined;
  let field = m[1];
  if (wrapper !== "" && field.startsWith(`${wrapper}.`)) field = field.slice(wrapper.length + 1);
  return { field, rule: m[2] };
}
