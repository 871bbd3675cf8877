/**
 * The table of docs/errors.md, read by column header, so that each front door's tests can check
 * that its column says what its error mapping does.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ERRORS_DOC = fileURLToPath(new URL("../../docs/errors.md", import.meta.url));

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((cell) => cell.trim());
}

/** Each engine code's cell in the column headed `header`. */
export function errorsDocColumn(header: string): Map<string, string> {
  const lines = readFileSync(ERRORS_DOC, "utf8").split("\n");
  const head = lines.find((line) => line.startsWith("| code | id |"));
  if (!head) throw new Error("docs/errors.md has no error table");
  const index = cells(head).indexOf(header);
  if (index < 0) throw new Error(`docs/errors.md has no column ${header}`);
  const column = new Map<string, string>();
  for (const line of lines) {
    const row = cells(line);
    const code = /^`([A-Z0-9_]+)`$/.exec(row[0] ?? "")?.[1];
    if (code && row[index] !== undefined) column.set(code, row[index]);
  }
  return column;
}
