// Loads what a page shows with the services' calls, and says when it fails: the session is over
// (UNAUTHENTICATED: back to sign-in), or an error to show with a retry.
import { useCallback, useEffect, useState } from "react";

import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useCall<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const { lost } = useSession();
  const [state, setState] = useState<{
    data?: T;
    error?: unknown;
    loading: boolean;
    loaded?: unknown[]; // the inputs the state is of
  }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  const inputs = [...deps, attempt];
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ data: s.data, loading: true, loaded: inputs }));
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, loading: false, loaded: inputs }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        if (isUnauthenticated(error)) lost();
        setState({ error, loading: false, loaded: inputs });
      },
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, inputs);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  // Loading from the very render whose inputs changed (before the effect starts the call), so
  // that nothing reads the previous inputs' data as current.
  const stale =
    state.loaded === undefined ||
    state.loaded.length !== inputs.length ||
    state.loaded.some((value, i) => !Object.is(value, inputs[i]));
  return { data: state.data, error: state.error, loading: state.loading || stale, reload };
}
