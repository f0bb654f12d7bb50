// The selected node's form: its parameters from the layer's schema, its inputs (a keyboard
// way to connect, besides dragging), whether it is an output, and its issues next to fields.

import { useEffect, useState } from "react";
import { Field } from "../../components/Field";
import type { Graph, GraphNode } from "../../lib/graph";
import { type LayerSpec, type ParamSchema, paramText, parseParam } from "../../lib/library";
import type { NodeReport } from "../../lib/shapes";

interface Props {
  graph: Graph;
  node: GraphNode;
  spec: LayerSpec | undefined;
  report?: NodeReport;
  readOnly: boolean;
  onParam: (name: string, value: unknown) => void;
  onConnect: (from: string) => void;
  onDisconnect: (from: string) => void;
  onToggleOutput: () => void;
  onRemove: () => void;
}

export function NodeInspector(p: Props) {
  const { graph, node, spec, report } = p;
  const inbound = graph.edges.filter((e) => e.to === node.id).map((e) => e.from);
  const sources = [...graph.inputs.map((i) => i.name), ...graph.nodes.map((n) => n.id)].filter((s) => s !== node.id && !inbound.includes(s));
  const [from, setFrom] = useState("");
  const paramIssue = (n: string) => report?.issues.filter((i) => i.param === n).map((i) => i.message).join("; ") || undefined;
  const nodeIssues = report?.issues.filter((i) => !i.param) ?? [];
  return (
    <section className="inspector" aria-labelledby="insp-title">
      <h2 id="insp-title">{node.layer} <code>{node.id}</code></h2>
      {spec?.description && <p className="muted">{spec.description}</p>}
      {report?.shape && <p>Output shape: <code data-shape-detail={node.id}>[{report.shape.map((s) => (s == null ? "N" : s)).join(", ")}]</code></p>}
      {nodeIssues.map((i, k) => <p key={k} className="field-error" role="alert">{i.message}</p>)}
      {!spec && !node.layer.startsWith("onnx:") && <p className="field-error">Unknown layer type {node.layer}.</p>}
      {node.layer.startsWith("onnx:") ? (
        <pre className="log">{JSON.stringify(node.params, null, 1)}</pre>
      ) : (
        Object.entries(spec?.params.properties ?? {}).map(([name, schema]) => (
          <ParamField key={`${node.id}.${name}`} name={name} schema={schema} required={!!spec?.params.required.includes(name)} value={node.params[name]} error={paramIssue(name)} readOnly={p.readOnly} onChange={(v) => p.onParam(name, v)} />
        ))
      )}
      <h3>Connected from</h3>
      {inbound.length === 0 ? <p className="muted">Not connected.</p> : (
        <ul className="inbound">
          {inbound.map((s) => (
            <li key={s}><code>{s}</code> {!p.readOnly && <button type="button" className="link" onClick={() => p.onDisconnect(s)} aria-label={`Disconnect ${s}`}>remove</button>}</li>
          ))}
        </ul>
      )}
      {!p.readOnly && (
        <div className="row">
          <Field label="Connect input from">
            {(fp) => (
              <select {...fp} value={from} onChange={(e) => setFrom(e.target.value)}>
                <option value="">choose…</option>
                {sources.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            )}
          </Field>
          <button type="button" disabled={!from} onClick={() => { p.onConnect(from); setFrom(""); }}>Connect</button>
        </div>
      )}
      {!p.readOnly && (
        <p className="actions">
          <label><input type="checkbox" checked={graph.outputs.includes(node.id)} onChange={p.onToggleOutput} /> Model output</label>
          <button type="button" className="danger" onClick={p.onRemove}>Remove node</button>
        </p>
      )}
    </section>
  );
}

function ParamField({ name, schema, required, value, error, readOnly, onChange }: {
  name: string; schema: ParamSchema; required: boolean; value: unknown; error?: string; readOnly: boolean; onChange: (v: unknown) => void;
}) {
  const [text, setText] = useState(paramText(value));
  const [local, setLocal] = useState<string | undefined>();
  useEffect(() => setText(paramText(value)), [value]);
  const hint = [schema.type, required ? "required" : `default ${JSON.stringify(schema.default ?? null)}`, schema.minimum !== undefined ? `≥ ${schema.minimum}` : "", schema.maximum !== undefined ? `≤ ${schema.maximum}` : ""].filter(Boolean).join(", ");
  if (schema.type === "boolean" || schema.enum) {
    const options = schema.enum ?? [true, false];
    return (
      <Field label={name} error={error} hint={hint}>
        {(fp) => (
          <select {...fp} disabled={readOnly} value={value === undefined ? "" : JSON.stringify(value)} onChange={(e) => onChange(e.target.value === "" ? undefined : JSON.parse(e.target.value))}>
            <option value="">{required ? "choose…" : `default (${JSON.stringify(schema.default)})`}</option>
            {options.map((o) => <option key={JSON.stringify(o)} value={JSON.stringify(o)}>{String(o)}</option>)}
          </select>
        )}
      </Field>
    );
  }
  return (
    <Field label={name} error={local ?? error} hint={hint}>
      {(fp) => (
        <input
          {...fp}
          readOnly={readOnly}
          inputMode={schema.type === "integer" || schema.type === "number" ? "decimal" : undefined}
          placeholder={schema.default !== undefined && schema.default !== null ? String(schema.default) : undefined}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            const r = parseParam(schema, e.target.value);
            setLocal(r.error ? `${name}: ${r.error}` : undefined);
            if (!r.error) onChange(r.value);
          }}
        />
      )}
    </Field>
  );
}
