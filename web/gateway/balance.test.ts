// balancedTransport over stand-in replicas: which replica each call reaches, and when a call goes
// on to the next.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";

import {
  CourseRunSchema,
  CourseService,
  WatchChangesResponseSchema,
} from "../src/gen/luban/course/v1/course_pb.js";
import { balancedTransport } from "./balance.js";

// A replica that answers GetCourseRun with a run named after itself and the requested name as its
// course, or fails with `failure`; WatchChanges with one batch whose last_sequence is the
// request's after_sequence.
function replica(name: string, calls: string[], failure?: () => ConnectError): Transport {
  return {
    async unary(method, _signal, _timeout, _header, input) {
      calls.push(`${name} ${method.name}`);
      if (failure !== undefined) throw failure();
      const message = create(CourseRunSchema, { name, course: (input as { name: string }).name });
      return {
        stream: false,
        service: method.parent,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message,
      } as never;
    },
    async stream(method, _signal, _timeout, _header, input) {
      calls.push(`${name} ${method.name}`);
      const requests: unknown[] = [];
      for await (const request of input) requests.push(request);
      if (failure !== undefined) throw failure();
      const after = BigInt((requests[0] as { afterSequence?: bigint }).afterSequence ?? 0n);
      async function* answers() {
        yield create(WatchChangesResponseSchema, { lastSequence: after });
      }
      return {
        stream: true,
        service: method.parent,
        method,
        header: new Headers(),
        trailer: new Headers(),
        message: answers(),
      } as never;
    },
  };
}

const unavailable = () => new ConnectError("connect ECONNREFUSED 127.0.0.1:1", Code.Unavailable);

describe("balancedTransport", () => {
  it("sends each call to the next replica in turn", async () => {
    const calls: string[] = [];
    const client = createClient(
      CourseService,
      balancedTransport([replica("a", calls), replica("b", calls), replica("c", calls)]),
    );
    const reached = [];
    for (let i = 0; i < 4; i++) {
      reached.push((await client.getCourseRun({ name: "courseRuns/1" })).name);
    }
    expect(reached).toEqual(["a", "b", "c", "a"]);
  });

  it("passes a call on from a replica that is unavailable, once to each", async () => {
    const calls: string[] = [];
    const client = createClient(
      CourseService,
      balancedTransport([replica("down", calls, unavailable), replica("up", calls)]),
    );
    const run = await client.getCourseRun({ name: "courseRuns/1" });
    expect(run.name).toBe("up");
    expect(run.course).toBe("courseRuns/1");
    expect(calls).toEqual(["down GetCourseRun", "up GetCourseRun"]);

    const allDown = createClient(
      CourseService,
      balancedTransport([replica("a", [], unavailable), replica("b", [], unavailable)]),
    );
    await expect(allDown.getCourseRun({ name: "courseRuns/1" })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
  });

  it("does not pass on an answer of the service's own", async () => {
    const calls: string[] = [];
    const refused = () => new ConnectError("run: no such run", Code.NotFound);
    const client = createClient(
      CourseService,
      balancedTransport([replica("a", calls, refused), replica("b", calls)]),
    );
    await expect(client.getCourseRun({ name: "courseRuns/9" })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    expect(calls).toEqual(["a GetCourseRun"]);
  });

  it("sends a stream's request again to the next replica", async () => {
    const calls: string[] = [];
    const client = createClient(
      CourseService,
      balancedTransport([replica("down", calls, unavailable), replica("up", calls)]),
    );
    const sequences = [];
    for await (const change of client.watchChanges({ afterSequence: 41n })) {
      sequences.push(change.lastSequence);
    }
    expect(sequences).toEqual([41n]);
    expect(calls).toEqual(["down WatchChanges", "up WatchChanges"]);
  });
});
