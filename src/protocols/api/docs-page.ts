/**
 * `GET /api/v1/docs`: the OpenAPI document rendered as one self-contained HTML page, generated on the
 * server from the same document as `/api/v1/openapi.json`. No scripts, no external assets: it works
 * offline and behind any proxy, and costs nothing on other routes (a Swagger UI plugin slowed every
 * route of the server by a fifth).
 *
 * @module
 */

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

interface OpenApiDocument {
  info?: { title?: string; description?: string; version?: string };
  paths?: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown> };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

export function renderDocsPage(doc: OpenApiDocument): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const parts = [
        `<h2 id="${escapeHtml(`${method}-${path}`)}"><code>${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</code></h2>`,
        `<p>${escapeHtml(op.summary ?? "")}${op.security?.length ? " <em>(needs a bearer secret)</em>" : ""}</p>`,
      ];
      if (op.parameters?.length) {
        const rows = op.parameters.map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? "yes" : "no"}</td><td>${escapeHtml(
              JSON.stringify(p.schema ?? {}),
            )}</td></tr>`,
        );
        parts.push(
          `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${rows.join("")}</table>`,
        );
      }
      const body = op.requestBody?.content?.["application/json"]?.schema;
      if (body) parts.push(`<details><summary>Request body</summary>${json(body)}</details>`);
      const responses = Object.entries(op.responses ?? {}).map(
        ([code, r]) => `${escapeHtml(code)} ${escapeHtml(r.description ?? "")}`,
      );
      if (responses.length) parts.push(`<p>Responses: ${responses.join(" · ")}</p>`);
      sections.push(`<section>${parts.join("\n")}</section>`);
    }
  }
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, schema]) => `<details><summary><code>${escapeHtml(name)}</code></summary>${json(schema)}</details>`,
  );
  const title = escapeHtml(doc.info?.title ?? "API");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{font-size:1.05rem;margin:1.6rem 0 .3rem}pre{background:#f4f4f4;padding:.6rem;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;font-size:14px}
section{border-top:1px solid #eee}</style></head>
<body><h1>${title} <small>v${escapeHtml(doc.info?.version ?? "")}</small></h1>
<p>${escapeHtml(doc.info?.description ?? "")}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a>. Errors are <code>{"error":{"code","id","message"}}</code>.</p>
${sections.join("\n")}
<h2>Schemas</h2>
${schemas.join("\n")}
</body></html>`;
}
