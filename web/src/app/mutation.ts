// Runs the services' changing calls from a page: one at a time, with the error kept to show
// (the session is over on UNAUTHENTICATED: back to sign-in), and which one is running.
import { useCallback, useState } from "react";

import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";

export interface Action {
  // Runs `change` under the label `id`; its result, or undefined when it failed.
  run: <T>(id: string, change: () => Promise<T>) => Promise<T | undefined>;
  // The label of the change running now.
  busy: string | null;
  // The last change's error, until the next change starts.
  error: unknown;
  clear: () => void;
}

export function useAction(): Action {
  const { lost } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const run = useCallback(
    async <T,>(id: string, change: () => Promise<T>): Promise<T | undefined> => {
      setBusy(id);
      setError(undefined);
      try {
        return await change();
      } catch (e) {
        if (isUnauthenticated(e)) lost();
        setError(e);
        return undefined;
      } finally {
        setBusy(null);
      }
    },
    [lost],
  );
  const clear = useCallback(() => setError(undefined), []);
  return { run, busy, error, clear };
}
