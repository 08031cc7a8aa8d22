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
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "gateway/**/*.test.ts"],
    environment: "node",
  },
});
