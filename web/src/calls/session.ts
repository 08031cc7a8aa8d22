// Who is signed in, as the gateway names the caller of its session (GET /session); the React side
// of it (signing in and out) is app/session.tsx.
export type Role = "ROLE_NETWORK_ADMIN" | "ROLE_COLLEGE_ADMIN" | "ROLE_REPORTER" | "ROLE_SERVICE";

export interface Caller {
  principal: string;
  role: Role;
  institution: string;
}

let asked: Promise<Caller | null> | undefined;

// Who is signed in, asked once per page load: src/start.ts asks before anything else runs
// (index.html has the browser fetch the answer while the scripts load), so that the page's first
// calls go out at once and the page renders once, for its caller, instead of first as "loading".
export function askSession(): Promise<Caller | null> {
  asked ??= fetch("/session", { credentials: "same-origin" })
    .then(async (response) => (response.ok ? ((await response.json()) as Caller) : null))
    .catch(() => null);
  return asked;
}
