// A long list, a page at a time: the services' page tokens, kept so that "previous" goes back
// without asking for anything but that page again. A change of filters starts at page 1.
import { useState } from "react";

import { type Loaded, useCall } from "./useCall.js";

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

export interface Pages<T> extends Loaded<Page<T>> {
  // 1-based.
  number: number;
  hasPrevious: boolean;
  hasNext: boolean;
  previous: () => void;
  next: () => void;
}

export function usePages<T>(
  load: (pageToken: string, signal: AbortSignal) => Promise<Page<T>>,
  filters: readonly (string | number | boolean)[],
): Pages<T> {
  const key = JSON.stringify(filters);
  const [state, setState] = useState<{ key: string; tokens: string[] }>({ key, tokens: [""] });
  const tokens = state.key === key ? state.tokens : [""];
  const token = tokens[tokens.length - 1];
  const loaded = useCall((signal) => load(token, signal), [key, token]);
  const nextToken = loaded.loading ? "" : (loaded.data?.nextPageToken ?? "");
  return {
    ...loaded,
    number: tokens.length,
    hasPrevious: tokens.length > 1,
    hasNext: nextToken !== "",
    previous: () => setState({ key, tokens: tokens.slice(0, -1) }),
    next: () => nextToken !== "" && setState({ key, tokens: [...tokens, nextToken] }),
  };
}
