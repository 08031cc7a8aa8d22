// End-to-end tests of the console in Debian's Chromium (no browser download) against a running
// suite: scripts/test starts one (scripts/dev up into a throwaway directory) and sets
//   LUBAN_CONSOLE_URL   the gateway, e.g. http://127.0.0.1:8080
//   LUBAN_E2E_TOKENS    the suite's credentials.env (LUBAN_TOKEN_<ROLE>=...)
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/output",
  // One suite, shared: journeys change its data, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  // Under CI a journey that fails is run once more, and reported as flaky if it then passes;
  // scripts/test prints what the page showed at every failure, retried or not.
  retries: process.env.CI === "true" ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "test-results/report" }]],
  use: {
    baseURL: process.env.LUBAN_CONSOLE_URL ?? "http://127.0.0.1:8080",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.LUBAN_CHROMIUM ?? "/usr/bin/chromium",
      // This machine's network is closed: no background connections, no sandbox as root.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
