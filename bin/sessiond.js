#!/usr/bin/env node
// The `sessiond` command. It runs the compiled CLI from dist/ (built by `npm run build`, or by
// `npm start` when needed).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("sessiond: dist/ is missing. Run `npm run build` (or `npm start`, which builds it) first.");
  process.exit(1);
}
await import(entry.href);
