// A run's page follows changes to its seats without reloading, through the services' change
// feeds (WatchChanges, server streams through the gateway). Every role that opens a run's page
// may follow them: a college admin's feeds carry the changes to its own institution's records,
// which its runs are.
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useRef, useState } from "react";

import { course, enrollment } from "./api.js";
import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";
import type { ChangeEvent } from "../gen/luban/common/v1/types_pb.js";
import { EnrollmentSchema } from "../gen/luban/enrollment/v1/enrollment_pb.js";

export type FollowMode = "connecting" | "live";

const RECONNECT_MS = 5000;
const QUIET_MS = 250;

// Whether a change event of the enrollment service touches `run`.
export function concernsRun(event: ChangeEvent, run: string): boolean {
  if (event.resourceType !== "enrollments" || !event.resource) return false;
  return anyUnpack(event.resource, EnrollmentSchema)?.courseRun === run;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// Calls `onChange` when `run` or its enrollments change. Returns whether the feeds are live.
export function useRunChanges(run: string, onChange: () => void): FollowMode {
  const { lost } = useSession();
  const [mode, setMode] = useState<FollowMode>("connecting");
  const ended = useRef(lost);
  ended.current = lost;
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const feeds = new AbortController(); // the page's lifetime
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const notify = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => changed.current(), QUIET_MS);
    };

    // Follows one feed from its start (the backlog streams through at up to 1000 events a batch),
    // resuming from the last sequence after a broken stream; stops when the session is over or
    // the caller may not read it.
    async function follow(
      watch: (after: bigint, signal: AbortSignal) => AsyncIterable<{ events: ChangeEvent[]; lastSequence: bigint }>,
      matches: (event: ChangeEvent) => boolean,
    ): Promise<void> {
      const signal = feeds.signal;
      let cursor = 0n;
      while (!signal.aborted) {
        try {
          for await (const batch of watch(cursor, signal)) {
            setMode("live");
            if (batch.events.some(matches)) notify();
            if (batch.lastSequence > cursor) cursor = batch.lastSequence;
          }
        } catch (error) {
          if (signal.aborted) return;
          setMode("connecting");
          if (isUnauthenticated(error)) {
            ended.current();
            return;
          }
          if (ConnectError.from(error).code === Code.PermissionDenied) return;
        }
        await sleep(RECONNECT_MS, signal);
      }
    }

    void follow(
      (after, signal) =>
        enrollment.watchChanges(
          { afterSequence: after, resourceTypes: ["enrollments"], maxBatchSize: 1000 },
          { signal },
        ),
      (event) => concernsRun(event, run),
    );
    void follow(
      (after, signal) =>
        course.watchChanges(
          { afterSequence: after, resourceTypes: ["courseRuns"], maxBatchSize: 1000 },
          { signal },
        ),
      (event) => event.resourceName === run,
    );
    return () => {
      clearTimeout(quiet);
      feeds.abort();
    };
  }, [run]);
  return mode;
}
