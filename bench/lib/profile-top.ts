/**
 * Summarises a V8 CPU profile (as the sessiond child writes them with `npm run bench -- --cpu-prof`): the
 * functions with the most self time, and self time grouped by where the code lives (a package, a
 * directory of src/, Node's internals, the garbage collector).
 *
 *   node --import tsx bench/lib/profile-top.ts .bench/profiles/whoami/CPU.whoami.1.cpuprofile [--top 25]
 */

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "25" } },
});

function place(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (src) return src[1] as string;
  if (url.startsWith("node:")) return "node internals";
  return url.replace(/^file:\/\//, "");
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const short = frame.url.replace(/^.*\/(node_modules|src)\//, "$1/");
    const key = `${frame.functionName || "(anonymous)"}  ${short}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const where = place(frame.url, frame.functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log("self time by place:");
  for (const [where, us] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${pct(us)}  ${where}`);
  console.log("self time by function:");
  for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`  ${pct(us)}  ${key}`);
  }
}
