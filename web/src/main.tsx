import "@mantine/core/styles.css";

import { type CSSVariablesResolver, createTheme, Loader, MantineProvider } from "@mantine/core";
import { type ComponentType, lazy, StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";

import { I18nProvider } from "./app/i18n.js";
import { SessionProvider, useSession } from "./app/session.js";
import { Layout } from "./components/Layout.js";
import { Home } from "./pages/Home.js";
import { NotFound } from "./pages/NotFound.js";
import { SignIn } from "./pages/SignIn.js";
import { Verify } from "./pages/Verify.js";
import { ADMINS, NETWORK_ADMIN, REPORTING, RoleOnly } from "./components/RoleOnly.js";

// The pages a first visit opens (sign-in, home, the public check) come with the console; every
// other page's code loads when it is first opened, so a first load does not wait for it.
function later<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}
const RunPage = later(() => import("./pages/RunPage.js"), "RunPage");
// The college admin's journeys (trainees, import, certificates).
const CertificatePage = later(() => import("./pages/CertificatePage.js"), "CertificatePage");
const ImportPage = later(() => import("./pages/ImportPage.js"), "ImportPage");
const NewTrainee = later(() => import("./pages/TraineeForm.js"), "NewTrainee");
const EditTrainee = later(() => import("./pages/TraineeForm.js"), "EditTrainee");
const TraineePage = later(() => import("./pages/TraineePage.js"), "TraineePage");
const TraineesPage = later(() => import("./pages/TraineesPage.js"), "TraineesPage");
// The network admin's pages, exchanges, history, reporting.
const AdminHome = later(() => import("./pages/admin/AdminHome.js"), "AdminHome");
const Courses = later(() => import("./pages/admin/Courses.js"), "Courses");
const Institutions = later(() => import("./pages/admin/Institutions.js"), "Institutions");
const Runs = later(() => import("./pages/admin/Runs.js"), "Runs");
const RunAdmin = later(() => import("./pages/admin/Runs.js"), "RunAdmin");
const Workshops = later(() => import("./pages/admin/Workshops.js"), "Workshops");
const Dashboard = later(() => import("./pages/Dashboard.js"), "Dashboard");
const Mobilities = later(() => import("./pages/exchange/Mobilities.js"), "Mobilities");
const MobilityPage = later(() => import("./pages/exchange/Mobilities.js"), "MobilityPage");
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

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: "/", element: <SignedIn><Home /></SignedIn> },
      { path: "/runs/:id", element: <SignedIn><RunPage /></SignedIn> },
      // The college admin's journeys: trainees, their import, certificates.
      { path: "/trainees", element: <SignedIn><TraineesPage /></SignedIn> },
      { path: "/trainees/new", element: <SignedIn><NewTrainee /></SignedIn> },
      { path: "/trainees/import", element: <SignedIn><ImportPage /></SignedIn> },
      { path: "/trainees/:id", element: <SignedIn><TraineePage /></SignedIn> },
      { path: "/trainees/:id/edit", element: <SignedIn><EditTrainee /></SignedIn> },
      { path: "/certificates/:id", element: <SignedIn><CertificatePage /></SignedIn> },
      // The network admin's pages, exchanges, history, the reporting dashboard.
      ...(
        [
          ["/admin", NETWORK_ADMIN, <AdminHome />],
          ["/admin/institutions", NETWORK_ADMIN, <Institutions />],
          ["/admin/workshops", NETWORK_ADMIN, <Workshops />],
          ["/admin/courses", NETWORK_ADMIN, <Courses />],
          ["/admin/runs", NETWORK_ADMIN, <Runs />],
          ["/admin/runs/:id", NETWORK_ADMIN, <RunAdmin />],
          ["/programmes", ADMINS, <Programmes />],
          ["/programmes/:id", ADMINS, <ProgrammePage />],
          ["/mobilities", ADMINS, <Mobilities />],
          ["/mobilities/:id", ADMINS, <MobilityPage />],
          ["/history", ADMINS, <History />],
          ["/dashboard", REPORTING, <Dashboard />],
        ] as const
      ).map(([path, roles, page]) => ({
        path,
        element: (
          <SignedIn>
            <RoleOnly roles={[...roles]}>{page}</RoleOnly>
          </SignedIn>
        ),
      })),
      { path: "/verify", element: <Verify /> },
      { path: "/verify/:number", element: <Verify /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <I18nProvider>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </I18nProvider>
    </MantineProvider>
  </StrictMode>,
);
