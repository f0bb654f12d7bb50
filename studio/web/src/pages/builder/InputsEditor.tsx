// The model's declared inputs: name, shape (N for the batch) and dtype, what validation feeds in.

import { useState } from "react";
import { Field } from "../../components/Field";
import { type Graph, type GraphInput, renameInput } from "../../lib/graph";
import type { NodeReport } from "../../lib/shapes";

export function parseShape(text: string): (number | null)[] | null {
  const parts = text.split(",").map((s) => s.trim());
  if (!parts.length || parts.some((p) => p === "")) return null;
  const out = parts.map((p, i) => (i === 0 && /^(n|N|-1|null)$/.test(p) ? null : /^\d+$/.test(p) ? Number(p) : NaN));
  return out.some((v) => v !== null && !(Number.isInteger(v) && v > 0)) ? null : out;
}

export function InputsEditor({ graph, readOnly, reports, onChange }: { graph: Graph; readOnly: boolean; reports: Record<string, NodeReport>; onChange: (g: Graph) => void }) {
  return (
    <section className="card" aria-labelledby="inputs-title">
      <h2 id="inputs-title">Inputs</h2>
      {graph.inputs.map((input, k) => (
        <InputRow
          key={k}
          input={input}
          readOnly={readOnly}
          error={reports[input.name]?.issues.map((i) => i.message).join("; ")}
          onChange={(v) => {
            const renamed = v.name !== input.name ? renameInput(graph, input.name, v.name) : graph;
            onChange({ ...renamed, inputs: renamed.inputs.map((x, j) => (j === k ? v : x)) });
          }}
        />
      ))}
    </section>
  );
}

function InputRow({ input, readOnly, error, onChange }: { input: GraphInput; readOnly: boolean; error?: string; onChange: (i: GraphInput) => void }) {
  const [shape, setShape] = useState(input.shape.map((s) => (s == null ? "N" : String(s))).join(", "));
  const [bad, setBad] = useState<string | undefined>();
  return (
    <div className="row">
      <Field label="Input name">{(p) => <input {...p} readOnly={readOnly} value={input.name} onChange={(e) => onChange({ ...input, name: e.target.value })} />}</Field>
      <Field label="Shape" error={bad ?? error} hint="N, 1, 28, 28: N is the batch">
        {(p) => (
          <input {...p} readOnly={readOnly} value={shape} onChange={(e) => {
            setShape(e.target.value);
            const s = parseShape(e.target.value);
            setBad(s ? undefined : "sizes are positive whole numbers; only the first may be N");
            if (s) onChange({ ...input, shape: s });
          }} />
        )}
      </Field>
      <Field label="dtype">
        {(p) => (
          <select {...p} disabled={readOnly} value={input.dtype ?? "float32"} onChange={(e) => onChange({ ...input, dtype: e.target.value as GraphInput["dtype"] })}>
            <option>float32</option><option>int64</option>
          </select>
        )}
      </Field>
    </div>
  );
}
