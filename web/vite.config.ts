import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The console's build (dist/, served by the gateway) and its unit tests (vitest).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    // Inline nothing: the Content-Security-Policy allows scripts from files only.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // What every page needs, in three files the browser fetches and compiles at once
            // rather than one of 690 kB: React and its router; Mantine, protobuf and Connect.
            {
              name: "react",
              test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/,
              tags: ["$initial"],
              priority: 2,
            },
            { name: "libs", test: /node_modules[\\/]/, tags: ["$initial"], priority: 1 },
            { name: "console", tags: ["$initial"], priority: 1 },
            // The code two lazy pages or more share, in one file: a page's first load fetches
            // two files (the page's and this) instead of a cascade of small ones (the browser
            // opens at most six connections to the gateway at a time).
            { name: "shared", minShareCount: 2, priority: 0 },
          ],
        },
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "gateway/**/*.test.ts"],
    environment: "node",
  },
});
