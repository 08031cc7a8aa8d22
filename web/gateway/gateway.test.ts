// The gateway's sessions and settings.
import { describe, expect, it } from "vitest";

import { configFromEnv } from "./config.js";
import { SessionStore, cookieValue } from "./sessions.js";

describe("SessionStore", () => {
  it("ends a session after its idle time, and at its maximum age however busy", () => {
    let now = 0;
    const store = new SessionStore<string>(1000, 5000, () => now);
    const id = store.create("token-1", "caller");
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    now = 900;
    expect(store.use(id)?.token).toBe("token-1");
    now = 1800; // 900 ms after its last use
    expect(store.use(id)?.token).toBe("token-1");
    now = 2800; // idle 1000 ms
    expect(store.use(id)).toBeUndefined();
    expect(store.size).toBe(0);

    const busy = store.create("token-2", "caller");
    for (now = 3000; now < 7900; now += 500) expect(store.use(busy)).toBeDefined();
    now = 8000; // 5000 ms after it began
    expect(store.use(busy)).toBeUndefined();
  });

  it("ends a session on sign-out and knows no other id", () => {
    const store = new SessionStore<string>(1000, 5000);
    const id = store.create("token", "caller");
    expect(store.use("not-a-session")).toBeUndefined();
    expect(store.use(undefined)).toBeUndefined();
    store.end(id);
    expect(store.use(id)).toBeUndefined();
  });

  it("sweeps expired sessions when it makes a new one", () => {
    let now = 0;
    const store = new SessionStore<string>(1000, 5000, () => now);
    store.create("a", "caller");
    store.create("b", "caller");
    now = 2000;
    store.create("c", "caller");
    expect(store.size).toBe(1);
  });
});

describe("cookieValue", () => {
  it("finds one cookie among others", () => {
    expect(cookieValue("a=1; luban_session=abc; b=2", "luban_session")).toBe("abc");
    expect(cookieValue("xluban_session=abc", "luban_session")).toBeUndefined();
    expect(cookieValue(undefined, "luban_session")).toBeUndefined();
  });
});

describe("configFromEnv", () => {
  const services = {
    LUBAN_COURSE_ADDR: "localhost:50051",
    LUBAN_ENROLLMENT_ADDR: "localhost:50052",
    LUBAN_EXCHANGE_ADDR: "localhost:50053",
  };
  it("takes defaults for what is not set", () => {
    const config = configFromEnv(services, "/srv/console");
    expect(config.port).toBe(8080);
    expect(config.host).toBe("127.0.0.1");
    expect(config.staticDir).toBe("/srv/console");
    expect(config.tls).toBeUndefined();
    expect(config.sessionIdleSeconds).toBe(1800);
    expect(config.course).toEqual(["localhost:50051"]);
  });
  it("takes several replicas of a service", () => {
    const config = configFromEnv(
      { ...services, LUBAN_COURSE_ADDR: "10.0.0.1:50051, 10.0.0.2:50051,[::1]:50051" },
      "/",
    );
    expect(config.course).toEqual(["10.0.0.1:50051", "10.0.0.2:50051", "[::1]:50051"]);
    for (const bad of ["course", "course:", "course:0", "a:1,", "a:1,,b:2", "a b:1", "a:70000"]) {
      expect(() => configFromEnv({ ...services, LUBAN_COURSE_ADDR: bad }, "/")).toThrow(
        `LUBAN_COURSE_ADDR=${bad}: `,
      );
    }
  });
  it("names the setting that is missing or wrong", () => {
    expect(() => configFromEnv({}, "/")).toThrow("LUBAN_COURSE_ADDR is not set");
    expect(() => configFromEnv({ ...services, LUBAN_CONSOLE_PORT: "http" }, "/")).toThrow(
      "LUBAN_CONSOLE_PORT=http: give a whole number above 0",
    );
    expect(() => configFromEnv({ ...services, LUBAN_CONSOLE_PORT: "70000" }, "/")).toThrow(
      "LUBAN_CONSOLE_PORT=70000",
    );
    expect(() => configFromEnv({ ...services, LUBAN_TLS_CERT: "/c.pem" }, "/")).toThrow(
      "LUBAN_TLS_CERT and LUBAN_TLS_KEY go together",
    );
  });
});
