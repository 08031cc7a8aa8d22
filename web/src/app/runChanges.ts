// A run's page follows changes to its seats without reloading: through the services' change feeds
// (WatchChanges, server streams through the gateway) where the caller may read them, else by
// asking ListEnrollments every few seconds and comparing with what the page shows.
//
// The feeds carry every college's changes, so the services let only network admins and reporters
// follow them; a college admin's page polls (one ListEnrollments and one GetCourseRun per poll).
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useRef, useState } from "react";

import { course, enrollment } from "./api.js";
import { isUnauthenticated } from "./errors.js";
import { useSession } from "./session.js";
import type { ChangeEvent } from "../gen/luban/common/v1/types_pb.js";
import {
  type Enrollment,
  EnrollmentSchema,
} from "../gen/luban/enrollment/v1/enrollment_pb.js";

export type FollowMode = "connecting" | "live" | "polling";

export const POLL_MS = 5000;
const RECONNECT_MS = 5000;
const QUIET_MS = 250;

// What the page shows of a run, for comparing: the run's etag and each enrollment's etag.
export function runVersion(runEtag: string, enrollments: readonly Enrollment[]): string {
  return [runEtag, ...enrollments.map((e) => `${e.name}@${e.etag}`).sort()].join("|");
}

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

function denied(error: unknown): boolean {
  const code = ConnectError.from(error).code;
  return code === Code.PermissionDenied || code === Code.Unimplemented;
}

async function allEnrollments(run: string, signal: AbortSignal): Promise<Enrollment[]> {
  const out: Enrollment[] = [];
  let pageToken = "";
  do {
    const page = await enrollment.listEnrollments(
      { courseRun: run, pageSize: 1000, pageToken },
      { signal },
    );
    out.push(...page.enrollments);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return out;
}

// Calls `onChange` when `run` or its enrollments change; `version` is runVersion() of what the
// page shows now. Returns how it follows them.
export function useRunChanges(run: string, version: string | undefined, onChange: () => void): FollowMode {
  const { lost } = useSession();
  const [mode, setMode] = useState<FollowMode>("connecting");
  const ended = useRef(lost);
  ended.current = lost;
  const changed = useRef(onChange);
  changed.current = onChange;
  const shown = useRef(version);
  shown.current = version;

  useEffect(() => {
    const page = new AbortController(); // the page's lifetime
    const feeds = new AbortController(); // the feeds' streams, ended to poll instead
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const notify = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => changed.current(), QUIET_MS);
    };

    async function poll(signal: AbortSignal): Promise<void> {
      setMode("polling");
      while (!signal.aborted) {
        await sleep(POLL_MS, signal);
        if (signal.aborted) return;
        if (document.visibilityState === "hidden" || shown.current === undefined) continue;
        try {
          const [current, enrollments] = await Promise.all([
            course.getCourseRun({ name: run }, { signal }),
            allEnrollments(run, signal),
          ]);
          if (runVersion(current.etag, enrollments) !== shown.current) changed.current();
        } catch (error) {
          // The session is over: back to sign-in. Otherwise the next poll tries again; the page
          // keeps what it shows.
          if (isUnauthenticated(error) && !signal.aborted) {
            ended.current();
            return;
          }
        }
      }
    }

    let polling = false;
    const pollInstead = () => {
      if (polling || page.signal.aborted) return;
      polling = true;
      feeds.abort();
      void poll(page.signal);
    };

    // Follows one feed from its start (the backlog streams through at up to 1000 events a batch),
    // resuming from the last sequence after a broken stream; polls instead when the caller may
    // not read it.
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
          if (isUnauthenticated(error)) {
            ended.current();
            return;
          }
          if (denied(error)) {
            pollInstead();
            return;
          }
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
      page.abort();
    };
  }, [run]);
  return mode;
}
