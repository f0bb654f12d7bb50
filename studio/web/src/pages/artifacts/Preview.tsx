// What a version holds, from its metadata: a dataset's columns and first rows, a layer's
// parameters, an archive's files. The service computed these at upload; nothing is fetched.

type Meta = Record<string, unknown>;

export function Preview({ kind, metadata }: { kind: string; metadata: Meta }) {
  if (kind === "datasets") return <DatasetPreview m={metadata} />;
  if (kind === "layers") return <LayerParams m={metadata} />;
  const files = metadata.files;
  if (Array.isArray(files) && files.length) {
    return (
      <details>
        <summary>{files.length} files</summary>
        <ul className="files">{files.map((f) => <li key={String(f)}><code>{String(f)}</code></li>)}</ul>
      </details>
    );
  }
  return null;
}

function DatasetPreview({ m }: { m: Meta }) {
  const columns = Array.isArray(m.columns) ? (m.columns as { name: string; type?: string }[]) : [];
  const rows = Array.isArray(m.preview) ? m.preview : [];
  if (!rows.length) return <p className="muted">No preview for this format.</p>;
  const names = columns.length
    ? columns.map((c) => c.name)
    : rows[0] && typeof rows[0] === "object" && !Array.isArray(rows[0])
      ? Object.keys(rows[0] as object)
      : ["value"];
  return (
    <figure className="preview">
      <figcaption>
        First {rows.length} rows{typeof m.rows === "number" ? ` of ${m.rows}` : ""}
      </figcaption>
      <div className="scroll">
        <table className="grid" aria-label="Dataset preview">
          <thead>
            <tr>{names.map((n, i) => <th key={n} scope="col">{n}{columns[i]?.type ? <small className="muted"> {columns[i].type}</small> : null}</th>)}</tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {names.map((n) => <td key={n}>{cell(r && typeof r === "object" && !Array.isArray(r) ? (r as Meta)[n] : r)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

function cell(v: unknown): string {
  if (v == null) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

interface ParamSchema {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  description?: string;
}

export function LayerParams({ m }: { m: Meta }) {
  const schema = (m.parameters ?? {}) as { properties?: Record<string, ParamSchema>; required?: string[] };
  const props = Object.entries(schema.properties ?? {});
  if (!props.length) return <p className="muted">This layer takes no parameters.</p>;
  return (
    <table className="grid" aria-label="Layer parameters">
      <thead><tr><th scope="col">Parameter</th><th scope="col">Type</th><th scope="col">Default</th><th scope="col">Bounds</th><th scope="col">About</th></tr></thead>
      <tbody>
        {props.map(([n, s]) => (
          <tr key={n}>
            <td><code>{n}</code>{schema.required?.includes(n) ? " (required)" : ""}</td>
            <td>{s.type}</td>
            <td>{s.default === undefined ? "" : JSON.stringify(s.default)}</td>
            <td>{[s.minimum !== undefined ? `≥ ${s.minimum}` : "", s.maximum !== undefined ? `≤ ${s.maximum}` : "", s.enum ? s.enum.join(" | ") : ""].filter(Boolean).join(", ")}</td>
            <td>{s.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
