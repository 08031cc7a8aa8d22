import "@mantine/core/styles.css";

import { Loader, MantineProvider } from "@mantine/core";
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
      { path: "/verify", element: <Verify /> },
      { path: "/verify/:number", element: <Verify /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider>
      <I18nProvider>
        <SessionProvider>
          <RouterProvider router={router} />
        </SessionProvider>
      </I18nProvider>
    </MantineProvider>
  </StrictMode>,
);
