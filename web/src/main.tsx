import "@mantine/core/styles.css";

import { type CSSVariablesResolver, createTheme, Loader, MantineProvider } from "@mantine/core";
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";

import { I18nProvider } from "./app/i18n.js";
import { SessionProvider, useSession } from "./app/session.js";
import { Layout } from "./components/Layout.js";
import { Home } from "./pages/Home.js";
import { NotFound } from "./pages/NotFound.js";
import { RunPage } from "./pages/RunPage.js";
import { SignIn } from "./pages/SignIn.js";
import { Verify } from "./pages/Verify.js";
// The college admin's journeys (trainees, import, certificates).
import { CertificatePage } from "./pages/CertificatePage.js";
import { ImportPage } from "./pages/ImportPage.js";
import { EditTrainee, NewTrainee } from "./pages/TraineeForm.js";
import { TraineePage } from "./pages/TraineePage.js";
import { TraineesPage } from "./pages/TraineesPage.js";
// Issue 18, network admin, exchanges, history, reporting:
import { ADMINS, NETWORK_ADMIN, REPORTING, RoleOnly } from "./components/RoleOnly.js";
import { AdminHome } from "./pages/admin/AdminHome.js";
import { Courses } from "./pages/admin/Courses.js";
import { Institutions } from "./pages/admin/Institutions.js";
import { RunAdmin, Runs } from "./pages/admin/Runs.js";
import { Workshops } from "./pages/admin/Workshops.js";
import { Dashboard } from "./pages/Dashboard.js";
import { MobilityPage, Mobilities } from "./pages/exchange/Mobilities.js";
import { ProgrammePage } from "./pages/exchange/ProgrammePage.js";
import { Programmes } from "./pages/exchange/Programmes.js";
import { History } from "./pages/History.js";

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
      // Issue 18: the network admin's pages, exchanges, history, the reporting dashboard.
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
