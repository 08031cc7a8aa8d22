// Loads what a page shows with the services' calls, and says when it fails: the session is over
// (UNAUTHENTICATED: back to sign-in), or an error to show with a retry.
import { useCallback, useLayoutEffect, useState } from "react";

import { takePrefetched } from "../calls/prefetched.js";
import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

// `key` names the load for prefetch() (calls/prefetched.ts): the page's and its inputs.
export function useCall<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  key?: string,
): Loaded<T> {
  const { lost } = useSession();
  const [state, setState] = useState<{
    data?: T;
    error?: unknown;
    loading: boolean;
    loaded?: unknown[]; // the inputs the state is of
  }>({ loading: true });
  const [attempt, setAttempt] = useState(0);
  const inputs = [...deps, attempt];
  // Started before the browser paints what rendered (a layout effect), so that the calls are on
  // their way while it lays out and paints the page's frame rather than after.
  useLayoutEffect(() => {
    const taken = key === undefined ? undefined : takePrefetched(key);
    const abort = taken?.abort ?? new AbortController();
    // (Nothing to change on the first load: no re-render before the paint for it.)
    setState((s) => (s.loaded === undefined ? s : { data: s.data, loading: true, loaded: inputs }));
    ((taken?.result as Promise<T> | undefined) ?? load(abort.signal)).then(
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
