import "@mantine/core/styles.css";

import { type CSSVariablesResolver, createTheme, Loader, MantineProvider } from "@mantine/core";
import { type ComponentType, lazy, StrictMode, type ReactNode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, type RouteObject, RouterProvider } from "react-router";

import { I18nProvider, pageLanguage } from "./app/i18n.js";
import { loadMessages } from "./app/messages.js";
import { askSession, type Role, SessionProvider, useSession } from "./app/session.js";
import { dropPrefetched } from "./calls/prefetched.js";
import { Layout } from "./components/Layout.js";
import { Home } from "./pages/Home.js";
import { NotFound } from "./pages/NotFound.js";
import { SignIn } from "./pages/SignIn.js";
import { Verify } from "./pages/Verify.js";
import { ADMINS, NETWORK_ADMIN, REPORTING, RoleOnly } from "./components/RoleOnly.js";

// The pages a first visit opens (sign-in, home, the public check) come with the console; every
// other page's code loads when it is first opened, so a first load does not wait for it. A page
// opened by its URL has its code fetched at start-up (`preload`, below), alongside the session's
// answer, and renders at once in the first render instead of suspending it. Its first calls are
// on their way by then: src/start.ts starts them before this script runs.

type PageModule = object;
type Later = ComponentType & { preload: () => Promise<PageModule> };
// The page modules loaded so far, by their loader: a module's other pages (a run's list and its
// page) then render without suspending too.
const loadedModules = new Map<() => Promise<PageModule>, PageModule>();
function later<K extends string>(
  load: () => Promise<Record<K, ComponentType> & PageModule>,
  name: K,
): Later {
  const preload = () =>
    load().then((module) => {
      loadedModules.set(load, module);
      return module;
    });
  const Lazy = lazy<ComponentType>(() => preload().then((module) => ({ default: module[name] })));
  const Page = () => {
    // Chosen once per mount: switching from Lazy to the loaded page would remount it.
    const [Loaded] = useState<ComponentType | undefined>(
      () => (loadedModules.get(load) as Record<string, ComponentType> | undefined)?.[name],
    );
    return Loaded ? <Loaded /> : <Lazy />;
  };
  return Object.assign(Page, { preload });
}
const traineeForm = () => import("./pages/TraineeForm.js");
const runs = () => import("./pages/admin/Runs.js");
const mobilities = () => import("./pages/exchange/Mobilities.js");
const RunPage = later(() => import("./pages/RunPage.js"), "RunPage");
// The college admin's journeys (trainees, import, certificates).
const CertificatePage = later(() => import("./pages/CertificatePage.js"), "CertificatePage");
const ImportPage = later(() => import("./pages/ImportPage.js"), "ImportPage");
const NewTrainee = later(traineeForm, "NewTrainee");
const EditTrainee = later(traineeForm, "EditTrainee");
const TraineePage = later(() => import("./pages/TraineePage.js"), "TraineePage");
const TraineesPage = later(() => import("./pages/TraineesPage.js"), "TraineesPage");
// The network admin's pages, exchanges, history, reporting.
const AdminHome = later(() => import("./pages/admin/AdminHome.js"), "AdminHome");
const Courses = later(() => import("./pages/admin/Courses.js"), "Courses");
const Institutions = later(() => import("./pages/admin/Institutions.js"), "Institutions");
const Runs = later(runs, "Runs");
const RunAdmin = later(runs, "RunAdmin");
const Workshops = later(() => import("./pages/admin/Workshops.js"), "Workshops");
const Dashboard = later(() => import("./pages/Dashboard.js"), "Dashboard");
const Mobilities = later(mobilities, "Mobilities");
const MobilityPage = later(mobilities, "MobilityPage");
const ProgrammePage = later(() => import("./pages/exchange/ProgrammePage.js"), "ProgrammePage");
const Programmes = later(() => import("./pages/exchange/Programmes.js"), "Programmes");
const History = later(() => import("./pages/History.js"), "History");

// Text at WCAG AA contrast (4.5:1) on white: links and the primary colour a shade darker than
// Mantine's default, dimmed text and light variants' text (alerts, badges) darker still.
const theme = createTheme({ primaryShade: { light: 8, dark: 8 } });
const contrast: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    ...Object.fromEntries(
      ["blue", "red", "green", "yellow", "gray", "orange"].map((c) => [
        `--mantine-color-${c}-light-color`,
        `var(--mantine-color-${c}-9)`,
      ]),
    ),
    // green-9 on the light green background stays under 4.5:1.
    "--mantine-color-green-light-color": "#1b5e28",
  },
  dark: {},
});

// A page for signed-in users: the sign-in form until someone is.
function SignedIn({ children }: { children: ReactNode }) {
  const { caller } = useSession();
  if (caller === undefined) return <Loader />;
  if (caller === null) return <SignIn />;
  return children;
}

// A route of a page for signed-in users (of `roles` only, when given). Its handle has the page's
// code to load before the first render.
interface Opening {
  code?: () => Promise<PageModule>;
}
function signedIn(path: string, Page: ComponentType, roles?: readonly Role[]): RouteObject {
  const page = <Page />;
  const handle: Opening = { code: "preload" in Page ? (Page as Later).preload : undefined };
  return {
    path,
    element: (
      <SignedIn>{roles ? <RoleOnly roles={[...roles]}>{page}</RoleOnly> : page}</SignedIn>
    ),
    handle,
  };
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      signedIn("/", Home),
      signedIn("/runs/:id", RunPage),
      // The college admin's journeys: trainees, their import, certificates.
      signedIn("/trainees", TraineesPage),
      signedIn("/trainees/new", NewTrainee),
      signedIn("/trainees/import", ImportPage),
      signedIn("/trainees/:id", TraineePage),
      signedIn("/trainees/:id/edit", EditTrainee),
      signedIn("/certificates/:id", CertificatePage),
      // The network admin's pages, exchanges, history, the reporting dashboard.
      signedIn("/admin", AdminHome, NETWORK_ADMIN),
      signedIn("/admin/institutions", Institutions, NETWORK_ADMIN),
      signedIn("/admin/workshops", Workshops, NETWORK_ADMIN),
      signedIn("/admin/courses", Courses, NETWORK_ADMIN),
      signedIn("/admin/runs", Runs, NETWORK_ADMIN),
      signedIn("/admin/runs/:id", RunAdmin, NETWORK_ADMIN),
      signedIn("/programmes", Programmes, ADMINS),
      signedIn("/programmes/:id", ProgrammePage, ADMINS),
      signedIn("/mobilities", Mobilities, ADMINS),
      signedIn("/mobilities/:id", MobilityPage, ADMINS),
      signedIn("/history", History, ADMINS),
      signedIn("/dashboard", Dashboard, REPORTING),
      { path: "/verify", element: <Verify /> },
      { path: "/verify/:number", element: <Verify /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

// The loads the opened page did not take: dropped once it has rendered (its own started then).
function Started({ children }: { children: ReactNode }) {
  useEffect(dropPrefetched, []);
  return children;
}

// At start-up, at once: the session's answer (already on its way: index.html preloads it), the
// opened page's code and the page language's messages; then the first render, which draws that
// page for its caller while its first calls (src/start.ts) are on their way.
const opened = router.state.matches.at(-1);
const opening = opened?.route.handle as Opening | undefined;
void Promise.all([
  askSession(),
  opening?.code?.().catch(() => undefined),
  loadMessages(pageLanguage()).catch(() => undefined), // (English, if they fail to load)
]).then(([caller]) => {
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <MantineProvider theme={theme} cssVariablesResolver={contrast}>
        <I18nProvider>
          <SessionProvider initial={caller}>
            <Started>
              <RouterProvider router={router} />
            </Started>
          </SessionProvider>
        </I18nProvider>
      </MantineProvider>
    </StrictMode>,
  );
});
