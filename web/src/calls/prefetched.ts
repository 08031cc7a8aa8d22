// Calls started before the first render (src/start.ts, for the page a visit opens): the page's
// useCall with the same key takes its load instead of starting it again, so the page's calls go
// out while the browser still runs React's and Mantine's scripts and React renders the page.
const early = new Map<string, { result: Promise<unknown>; abort: AbortController }>();

export function prefetch<T>(key: string, load: (signal: AbortSignal) => Promise<T>): void {
  const abort = new AbortController();
  const result = load(abort.signal);
  result.catch(() => undefined); // its error is the page's to show, if it takes it
  early.set(key, { result, abort });
}

// The load started for `key`, taken once (by the page's useCall).
export function takePrefetched(
  key: string,
): { result: Promise<unknown>; abort: AbortController } | undefined {
  const taken = early.get(key);
  early.delete(key);
  return taken;
}

// Drops the loads no page took (main.tsx, once the first render is done): a page opened later
// loads afresh.
export function dropPrefetched(): void {
  for (const { abort } of early.values()) abort.abort();
  early.clear();
}
