#!/usr/bin/env node
// `npm start` runs this first: it builds dist/ when it is missing or older than any source file, so
// that a fresh clone starts with `npm ci && npm start` and a rebuilt tree never runs stale code.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

const marker = "dist/cli/main.js";
if (!existsSync(marker) || statSync(marker).mtimeMs < newestMtime("src")) {
  console.error("sessiond: building dist/ ...");
  const result = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
