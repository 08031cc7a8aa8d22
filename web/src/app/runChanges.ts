// A run's page follows changes to its seats without reloading, through the services' change
// feeds (WatchChanges, server streams through the gateway). Every role that opens a run's page
// may follow them: a college admin's feeds carry the changes to its own institution's records,
// which its runs are.
import { anyUnpack, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useRef, useState } from "react";

import { course, enrollment } from "../calls/api.js";
import type { Shown } from "../calls/run.js";
import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";
import type { ChangeEvent } from "../gen/luban/common/v1/types_pb.js";
import { CourseRunSchema } from "../gen/luban/course/v1/course_pb.js";
import { EnrollmentSchema } from "../gen/luban/enrollment/v1/enrollment_pb.js";

export type { Shown };

export type FollowMode = "connecting" | "live";

const RECONNECT_MS = 5000;
const QUIET_MS = 250;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function before(a: Timestamp | undefined, b: Timestamp | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.seconds < b.seconds || (a.seconds === b.seconds && a.nanos < b.nanos);
}

// Whether `changed` is news against `shown` (the same resource as the page shows it): not when
// the page shows it at that version or a later one, as it does every change the feeds replay from
// before the page read it.
function newer(
  changed: { updateTime?: Timestamp; etag: string },
  shown: { updateTime?: Timestamp; etag: string } | undefined,
): boolean {
  if (shown === undefined) return true;
  if (changed.etag === shown.etag || before(changed.updateTime, shown.updateTime)) return false;
  return true;
}

// Whether an event of the feeds changes what a run's page shows.
export function changesShown(event: ChangeEvent, shown: Shown): boolean {
  if (!event.resource) return false;
  if (event.resourceType === "enrollments") {
    const enrollment = anyUnpack(event.resource, EnrollmentSchema);
    if (enrollment?.courseRun !== shown.run.name) return false;
    return newer(enrollment, shown.enrollments.get(enrollment.name));
  }
  if (event.resourceType === "courseRuns" && event.resourceName === shown.run.name) {
    const run = anyUnpack(event.resource, CourseRunSchema);
    return run === undefined || newer(run, shown.run);
  }
  return false;
}

// Calls `onChange` when `run` or its enrollments change from what the page shows; follows the
// feeds once the page shows something (`shown`), so that they do not take connections and time
// from the page's first calls. Returns whether the feeds are live.
export function useRunChanges(
  run: string,
  shown: Shown | undefined,
  onChange: () => void,
): FollowMode {
  const { lost } = useSession();
  const [mode, setMode] = useState<FollowMode>("connecting");
  const ended = useRef(lost);
  ended.current = lost;
  const changed = useRef(onChange);
  changed.current = onChange;
  const current = useRef(shown);
  current.current = shown;
  const showing = shown !== undefined && shown.run.name === run;

  useEffect(() => {
    if (!showing) return;
    const feeds = new AbortController(); // the page's lifetime
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const notify = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => changed.current(), QUIET_MS);
    };

    // Follows one feed from its start (the backlog streams through at up to 1000 events a batch,
    // news only where the page shows an older version), resuming from the last sequence after a
    // broken stream; stops when the session is over or the caller may not read it.
    async function follow(
      watch: (after: bigint, signal: AbortSignal) => AsyncIterable<{ events: ChangeEvent[]; lastSequence: bigint }>,
    ): Promise<void> {
      const signal = feeds.signal;
      let cursor = 0n;
      while (!signal.aborted) {
        try {
          for await (const batch of watch(cursor, signal)) {
            setMode("live");
            const page = current.current;
            if (page && batch.events.some((event) => changesShown(event, page))) notify();
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
    );
    void follow(
      (after, signal) =>
        course.watchChanges(
          { afterSequence: after, resourceTypes: ["courseRuns"], maxBatchSize: 1000 },
          { signal },
        ),
    );
    return () => {
      clearTimeout(quiet);
      feeds.abort();
    };
  }, [run, showing]);
  return mode;
}
