/**
 * The core is pure and depends on nothing of the rest: every import under `src/core/` resolves inside
 * `src/core/`, or names one of the few packages the core may use. The store contract belongs to the
 * core (`src/core/store/`) and drivers in `src/store/` implement it, so the dependency runs one way.
 * Biome's `noRestrictedImports` bans frameworks and I/O modules by name; this test catches relative
 * imports that leave the core, which a pattern on the specifier cannot tell apart.
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const CORE = fileURLToPath(new URL("../../src/core/", import.meta.url));

/** Packages the core may import: hashing only. */
const ALLOWED_PACKAGES = new Set(["node:crypto", "@node-rs/argon2", "@sinclair/typebox"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gms)) {
    if (match[1]) found.push(match[1]);
  }
  for (const match of text.matchAll(/^import\s+"([^"]+)"/gm)) if (match[1]) found.push(match[1]);
  return found;
}

describe("src/core", () => {
  it("imports only itself, node:crypto and argon2", () => {
    const leaks: string[] = [];
    for (const file of sourceFiles(CORE)) {
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        if (specifier.startsWith(".")) {
          const target = resolve(dirname(file), specifier);
          if (relative(CORE, target).startsWith("..")) leaks.push(`${relative(CORE, file)} → ${specifier}`);
        } else if (!ALLOWED_PACKAGES.has(specifier)) {
          leaks.push(`${relative(CORE, file)} → ${specifier}`);
        }
      }
    }
    assert.deepEqual(leaks, []);
  });

  it("finds the imports it checks (the check itself works)", () => {
    assert.deepEqual(importsOf('import type { A } from "../store/x.ts";\nexport { b } from "./b.ts";'), [
      "../store/x.ts",
      "./b.ts",
    ]);
  });
});
