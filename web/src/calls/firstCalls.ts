// The first calls of the pages a visit opens most (the home pages, a run, the trainees, the
// dashboard), by the page's path: src/start.ts starts them as soon as the session's caller is
// known, before React, Mantine and the page's own code run. Each page's useCall takes its load by
// the same key. The paths are main.tsx's routes of those pages; a lazy page's code is asked for
// here too, rather than once main.tsx runs (a dynamic import: start.ts's chunk holds none of it).
import { DASHBOARD_KEY, dashboardData } from "./dashboard.js";
import { homeData, homeKey } from "./home.js";
import { prefetch } from "./prefetched.js";
import { runData, runKey } from "./run.js";
import type { Caller, Role } from "./session.js";
import { traineesKey, traineesPage } from "./trainees.js";

// Who may open the dashboard (components/RoleOnly.tsx's REPORTING).
const REPORTING: Role[] = ["ROLE_NETWORK_ADMIN", "ROLE_REPORTER"];

// (Its errors are main.tsx's to meet when it loads the page.)
function loadCode(load: () => Promise<unknown>): void {
  load().catch(() => undefined);
}

export function startFirstCalls(path: string, caller: Caller): void {
  let match: RegExpMatchArray | null;
  if (path === "/") {
    prefetch(homeKey(caller.institution), homeData(caller.institution));
  } else if ((match = /^\/runs\/([^/]+)\/?$/.exec(path)) !== null) {
    const name = `courseRuns/${decodeURIComponent(match[1])}`;
    prefetch(runKey(name), runData(name, caller.institution));
    loadCode(() => import("../pages/RunPage.js"));
  } else if (/^\/trainees\/?$/.test(path)) {
    prefetch(traineesKey(""), traineesPage(""));
    loadCode(() => import("../pages/TraineesPage.js"));
  } else if (/^\/dashboard\/?$/.test(path) && REPORTING.includes(caller.role)) {
    prefetch(DASHBOARD_KEY, dashboardData);
    loadCode(() => import("../pages/Dashboard.js"));
  }
}
