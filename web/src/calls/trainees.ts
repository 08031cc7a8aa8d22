// The trainees page's calls: a page of the college's trainees (a network admin: the network's).
import { enrollment } from "./api.js";

export const PAGE_SIZE = 50;

export function traineesPage(token: string) {
  return (signal: AbortSignal) =>
    enrollment.listTrainees({ pageSize: PAGE_SIZE, pageToken: token }, { signal });
}

// The key of a page's load (useCall, prefetch): its page token.
export const traineesKey = (token: string) => `trainees:${token}`;
