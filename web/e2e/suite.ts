// What the journeys need of the running suite: the demo tokens, signing in through the page, and
// direct calls (as the network admin) to find the records a journey works on.
import { readFileSync } from "node:fs";

import { expect, type Page } from "@playwright/test";

export type Role = "NETWORK_ADMIN" | "COLLEGE_ADMIN" | "REPORTER";

export function token(role: Role): string {
  const file = process.env.LUBAN_E2E_TOKENS;
  if (!file) throw new Error("LUBAN_E2E_TOKENS is not set (scripts/test sets it)");
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`LUBAN_TOKEN_${role}=`));
  if (!line) throw new Error(`no LUBAN_TOKEN_${role} in ${file}`);
  return line.slice(line.indexOf("=") + 1).trim();
}

export async function signIn(page: Page, role: Role): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Personal access token").fill(token(role));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

// Calls `method` ("luban.course.v1.CourseService/ListCourseRuns") with the Connect protocol's JSON
// through the gateway, signed in as `role` in a session of its own.
export async function call<T>(
  baseURL: string,
  role: Role,
  method: string,
  request: unknown,
): Promise<T> {
  const session = await fetch(`${baseURL}/session`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: token(role) }),
  });
  expect(session.status).toBe(200);
  const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0];
  const response = await fetch(`${baseURL}/api/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: cookie },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}
