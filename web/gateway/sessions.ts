// Signed-in users' sessions, held only here: the browser gets an opaque id in an HttpOnly cookie,
// never the personal token itself.
import { randomBytes } from "node:crypto";

export interface Session<Caller> {
  readonly token: string;
  readonly caller: Caller;
  readonly created: number;
  lastUsed: number;
}

export class SessionStore<Caller> {
  private readonly sessions = new Map<string, Session<Caller>>();

  // `now` returns milliseconds (Date.now; tests pass their own clock).
  constructor(
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  // A new session for `token`; returns its id (256 random bits, base64url).
  create(token: string, caller: Caller): string {
    this.sweep();
    const id = randomBytes(32).toString("base64url");
    const at = this.now();
    this.sessions.set(id, { token, caller, created: at, lastUsed: at });
    return id;
  }

  // The live session `id` names, its idle clock restarted; undefined when there is none or it
  // expired (then it is gone).
  use(id: string | undefined): Session<Caller> | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const at = this.now();
    if (at - session.lastUsed >= this.idleMs || at - session.created >= this.maxMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsed = at;
    return session;
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  // Drops expired sessions, so that abandoned ones do not pile up.
  private sweep(): void {
    const at = this.now();
    for (const [id, session] of this.sessions) {
      if (at - session.lastUsed >= this.idleMs || at - session.created >= this.maxMs) {
        this.sessions.delete(id);
      }
    }
  }
}

// The value of cookie `name` in a Cookie header.
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
