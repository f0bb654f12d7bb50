// Checking a version before a task uses it: a model is built with torch and run forward on its
// declared input; training code runs a few steps on a dataset on the cluster: that is a run
// (its page shows it live), and the watcher stores its outcome as the version's last check.

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, data } from "../../api/client";
import type { Kind } from "../../api/contract";
import { Field } from "../../components/Field";
import { Failure } from "../../components/States";
import { ApiError } from "../../lib/errors";
import { settled as isSettled } from "../../lib/live";

export function Validation({ kind, project, name, version }: { kind: Kind; project: string; name: string; version: number }) {
  if (kind === "models") return <ModelValidation project={project} name={name} version={version} />;
  if (kind === "algorithms") return <AlgorithmValidation project={project} name={name} version={version} />;
  return null;
}

function ModelValidation({ project, name, version }: { project: string; name: string; version: number }) {
  const check = useMutation({
    mutationFn: () =>
      data(api.POST("/api/v1/projects/{project}/models/{name}/versions/{number}/validate", { params: { path: { project, name, number: version } } })),
  });
  return (
    <div className="card">
      <h3>Validation</h3>
      <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>
        {check.isPending ? "Building with torch…" : "Validate (build + forward pass)"}
      </button>
      {check.error && <Failure error={check.error} what="the validation" />}
      {check.data && (
        <>
          <p role="status">{check.data.ok ? "Builds and runs." : "Does not build."}</p>
          <ul>{check.data.issues.map((i, k) => <li key={k} className="field-error">{i.node ? `${i.node}${i.param ? `.${i.param}` : ""}: ` : ""}{i.message}</li>)}</ul>
          <table className="grid"><thead><tr><th scope="col">Node</th><th scope="col">Layer</th><th scope="col">Output shape</th></tr></thead>
            <tbody>{check.data.layers.map((l) => <tr key={l.id}><td>{l.id}</td><td>{l.type}</td><td>{l.outputShape ? `[${l.outputShape.join(", ")}]` : ""}</td></tr>)}</tbody>
          </table>
        </>
      )}
    </div>
  );
}

function AlgorithmValidation({ project, name, version }: { project: string; name: string; version: number }) {
  const datasets = useQuery({ queryKey: [project, "datasets"], queryFn: () => data(api.GET("/api/v1/projects/{project}/datasets", { params: { path: { project } } })) });
  const [dataset, setDataset] = useState("");
  const [steps, setSteps] = useState(5);
  const check = useMutation({
    mutationFn: () => {
      const d = datasets.data?.find((x) => x.name === dataset);
      return data(
        api.POST("/api/v1/projects/{project}/algorithms/{name}/versions/{number}/validate", {
          params: { path: { project, name, number: version } },
          body: { dataset: { name: dataset, version: d?.latest?.number ?? null }, steps },
        }),
      );
    },
  });
  const started = check.data?.run.name;
  const path = { project, name, number: version };
  // the started run's phase, until it settles; then its stored outcome
  const run = useQuery({
    queryKey: [project, "runs", started],
    enabled: !!started,
    queryFn: () => data(api.GET("/api/v1/projects/{project}/runs/{run}", { params: { path: { project, run: started! } } })),
    refetchInterval: (q) => (isSettled(q.state.data?.phase) ? false : 2000),
  });
  const settled = isSettled(run.data?.phase);
  const last = useQuery({
    queryKey: [project, "algorithms", name, version, "validation", settled],
    queryFn: async () => {
      try {
        return (await data(api.GET("/api/v1/projects/{project}/algorithms/{name}/versions/{number}/validation", { params: { path } }))) as unknown as StoredCheck;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    // the watcher records the outcome a moment after the run settles
    refetchInterval: (q) => (started && settled && !q.state.data ? 2000 : false),
  });
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); check.mutate(); }}>
      <h3>Validation on the cluster</h3>
      <div className="row">
        <Field label="Dataset">
          {(p) => (
            <select {...p} value={dataset} onChange={(e) => setDataset(e.target.value)} required>
              <option value="">choose…</option>
              {datasets.data?.map((d) => <option key={d.name} value={d.name}>{d.name} (v{d.latest?.number})</option>)}
            </select>
          )}
        </Field>
        <Field label="Steps">
          {(p) => <input {...p} type="number" min={1} value={steps} onChange={(e) => setSteps(Number(e.target.value))} />}
        </Field>
      </div>
      <button type="submit" disabled={check.isPending || !dataset}>{check.isPending ? "Running…" : "Run a short validation"}</button>
      {check.error && <Failure error={check.error} what="the validation" />}
      {check.data && (
        <p role="status">
          Validation run <Link to={`/p/${project}/runs/${check.data.run.name}`}>{check.data.run.name}</Link>: {run.data?.phase ?? check.data.run.phase}
        </p>
      )}
      {last.error && <Failure error={last.error} what="the last validation" />}
      {last.data && (!started || settled) && (
        <>
          <p>Last validation: {last.data.ok ? "Passed" : "Failed"} ({last.data.phase ?? "?"})</p>
          {last.data.log && <pre className="log">{last.data.log}</pre>}
        </>
      )}
    </form>
  );
}

/** What the watcher stores for a training-code check (the route types it as an object). */
interface StoredCheck {
  ok: boolean;
  phase?: string;
  log?: string;
}
