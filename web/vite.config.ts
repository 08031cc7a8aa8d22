import react from "@vitejs/plugin-react";
import type { OutputChunk } from "rolldown";
import type { HtmlTagDescriptor, Plugin } from "vite";
import { defineConfig } from "vitest/config";

// What src/start.ts needs to start a page's first calls: the services' clients (protobuf, Connect,
// the generated code), src/calls/ and Vite's helper for its import of main.tsx. In a chunk of
// their own, so that start.ts runs as soon as it is in, without React's, Mantine's and the
// console's scripts.
const CALLS =
  /node_modules[\\/]@(bufbuild|connectrpc)[\\/]|[\\/]src[\\/](gen|calls)[\\/]|[\\/]src[\\/]start\.ts$|vite[\\/]preload-helper/;

function jsChunks(bundle: Record<string, { type: string }>): Map<string, OutputChunk> {
  return new Map(
    Object.entries(bundle).flatMap(([file, c]) =>
      c.type === "chunk" ? [[file, c as OutputChunk] as const] : [],
    ),
  );
}

// The chunk of `entry` (a module path ending) and every chunk it imports, statically.
function chunksOf(chunks: Map<string, OutputChunk>, entry: RegExp): OutputChunk[] {
  const root = [...chunks.values()].find(
    (c) => c.isEntry && c.facadeModuleId !== null && entry.test(c.facadeModuleId),
  );
  if (root === undefined) throw new Error(`no entry chunk for ${entry}`);
  const found = new Map<string, OutputChunk>();
  const visit = (chunk: OutputChunk) => {
    if (found.has(chunk.fileName)) return;
    found.set(chunk.fileName, chunk);
    for (const file of chunk.imports) visit(chunks.get(file)!);
  };
  visit(root);
  return [...found.values()];
}

// index.html runs src/start.ts alone; start.ts imports main.tsx (React, Mantine, the console)
// once it has started the page's first calls. This plugin
//   - has the browser fetch main.tsx's scripts and CSS with index.html's, not after start.ts ran
//     (modulepreload and stylesheet links);
//   - fails the build when start.ts's chunks hold more than the calls (one of src/calls/
//     imported React or a page, say): start.ts would then wait for them, and the calls with it.
function startFirst(): Plugin {
  return {
    name: "luban-start-first",
    generateBundle(_options, bundle) {
      for (const chunk of chunksOf(jsChunks(bundle), /[\\/]index\.html$/)) {
        const others = Object.keys(chunk.modules).filter(
          (id) => !CALLS.test(id) && !id.endsWith(".html") && !id.includes("rolldown"),
        );
        if (others.length > 0) {
          this.error(`start.ts's chunk ${chunk.fileName} holds more than the calls: ${others}`);
        }
      }
    },
    transformIndexHtml: {
      order: "post",
      handler(html, context) {
        if (context.bundle === undefined) return html; // (the development server)
        const tags: HtmlTagDescriptor[] = [];
        for (const chunk of chunksOf(jsChunks(context.bundle), /[\\/]src[\\/]main\.tsx$/)) {
          // Linked, so that the browser parses it while the scripts load (start.ts is async: it
          // does not wait for it); Vite's import of main.tsx then finds it there.
          for (const css of chunk.viteMetadata?.importedCss ?? []) {
            tags.push({
              tag: "link",
              attrs: { rel: "stylesheet", crossorigin: true, href: `/${css}` },
              injectTo: "head",
            });
          }
          if (!html.includes(`/${chunk.fileName}"`)) {
            tags.push({
              tag: "link",
              attrs: { rel: "modulepreload", crossorigin: true, href: `/${chunk.fileName}` },
              injectTo: "head",
            });
          }
        }
        return { html, tags };
      },
    },
  };
}

// The console's build (dist/, served by the gateway) and its unit tests (vitest).
export default defineConfig({
  plugins: [react(), startFirst()],
  build: {
    outDir: "dist",
    // Inline nothing: the Content-Security-Policy allows scripts from files only.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 400,
    // (Every browser the console supports knows modulepreload.)
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // main.tsx an entry of its own (start.ts imports it): what it imports counts as what every
      // first load needs ($initial, below).
      input: { index: "index.html", main: "src/main.tsx" },
      output: {
        codeSplitting: {
          groups: [
            // What every page needs, in files the browser fetches and compiles at once rather
            // than one of 690 kB: the calls (start.ts's); React and its router; Mantine.
            { name: "calls", test: (id) => CALLS.test(id), tags: ["$initial"], priority: 3 },
            {
              name: "react",
              test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/,
              tags: ["$initial"],
              priority: 2,
            },
            { name: "libs", test: /node_modules[\\/]/, tags: ["$initial"], priority: 1 },
            // (index.html's own module is start.ts's entry, not the console's.)
            { name: "console", test: (id) => !id.endsWith(".html"), tags: ["$initial"], priority: 1 },
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
