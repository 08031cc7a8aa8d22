// The console's first script (index.html's only one): it asks who is signed in (the answer is
// already on its way: index.html preloads it) and starts the opened page's first calls, needing
// only the services' clients and the calls' code; then it runs React, Mantine and the console
// (main.tsx, whose scripts the browser has been fetching meanwhile) while the calls are under
// way. vite.config.ts keeps React and Mantine out of this script's chunks.
import { startFirstCalls } from "./calls/firstCalls.js";
import { askSession } from "./calls/session.js";

void askSession().then((caller) => {
  if (caller) startFirstCalls(location.pathname, caller);
  return import("./main.js");
});
