// Who is signed in. The gateway holds the token; the console only knows the caller it names,
// asks the gateway on load (GET /session), signs in (POST) and out (DELETE).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { askSession, type Caller } from "../calls/session.js";

export { askSession, type Caller, type Role } from "../calls/session.js";

export type SignInResult = "ok" | "refused" | "unavailable";

interface SessionState {
  // undefined while the gateway has not answered yet; null when nobody is signed in.
  caller: Caller | null | undefined;
  // Set when a call found the session gone (it expired): the sign-in page says so.
  expired: boolean;
  signIn: (token: string) => Promise<SignInResult>;
  signOut: () => Promise<void>;
  // A call was refused as UNAUTHENTICATED: the session is over.
  lost: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

// `initial`: the caller askSession() found, when known before the first render.
export function SessionProvider({
  children,
  initial,
}: {
  children: ReactNode;
  initial?: Caller | null;
}) {
  const [caller, setCaller] = useState<Caller | null | undefined>(initial);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    if (initial !== undefined) return;
    let live = true;
    void askSession().then((found) => live && setCaller(found));
    return () => {
      live = false;
    };
  }, [initial]);

  const signIn = useCallback(async (token: string): Promise<SignInResult> => {
    const response = await fetch("/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    }).catch(() => undefined);
    if (response === undefined || response.status >= 500) return "unavailable";
    if (!response.ok) return "refused";
    setExpired(false);
    setCaller((await response.json()) as Caller);
    return "ok";
  }, []);

  const signOut = useCallback(async () => {
    await fetch("/session", { method: "DELETE", credentials: "same-origin" }).catch(() => undefined);
    setExpired(false);
    setCaller(null);
  }, []);

  const lost = useCallback(() => {
    setExpired(true);
    setCaller(null);
  }, []);

  const value = useMemo(
    () => ({ caller, expired, signIn, signOut, lost }),
    [caller, expired, signIn, signOut, lost],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside SessionProvider");
  return session;
}
