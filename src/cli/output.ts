/**
 * Printing for humans (aligned tables) and for programs (`--json`).
 *
 * @module
 */

export function printTable(
  rows: Record<string, unknown>[],
  columns: string[],
  out: NodeJS.WritableStream = process.stdout,
): void {
  if (rows.length === 0) {
    out.write("(none)\n");
    return;
  }
  const text = (value: unknown) => (value === null || value === undefined ? "-" : String(value));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const line = (cells: string[]) =>
    `${cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  out.write(line(columns.map((c) => c.toUpperCase())));
  for (const row of rows) out.write(line(columns.map((c) => text(row[c]))));
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function isoTime(epochMs: number | null | undefined): string | null {
  return typeof epochMs === "number" ? new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}
