// The model builder and viewer: a troupe.graph/v1 document edited as a graph, saved as a new
// version of a model (the service checks it on upload) and validated there with torch, whose
// output shapes and issues land on the nodes. An ONNX import (view_only) is shown, not edited.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, authHeaders, data } from "../../api/client";
import { type VersionOut, urls } from "../../api/contract";
import { Field } from "../../components/Field";
import { Failure, Loading } from "../../components/States";
import { ApiError, fieldErrors } from "../../lib/errors";
import * as G from "../../lib/graph";
import { catalog, initialParams, type LayerSpec, userLayer } from "../../lib/library";
import { type NodeReport, onnxView, refusalByNode, reportsByNode } from "../../lib/shapes";
import { upload } from "../../lib/upload";
import { GraphCanvas } from "./GraphCanvas";
import { InputsEditor } from "./InputsEditor";
import { LayerLibrary } from "./LayerLibrary";
import { NodeInspector } from "./NodeInspector";

export function Builder() {
  const { project = "", name, number } = useParams();
  const path = { project, name: name ?? "", number: Number(number) };
  const version = useQuery({
    queryKey: [project, "models", name, number],
    enabled: !!name && !!number,
    queryFn: () => data(api.GET("/api/v1/projects/{project}/models/{name}/versions/{number}", { params: { path } })),
  });
  const onnx = version.data?.metadata?.format === "onnx";
  const stored = useQuery({
    queryKey: [project, "models", name, number, "graph"],
    enabled: !!version.data,
    queryFn: async (): Promise<{ graph: G.Graph; reports: Record<string, NodeReport> }> => {
      if (onnx) return onnxView(await data(api.GET("/api/v1/projects/{project}/models/{name}/versions/{number}/onnx-graph", { params: { path } })));
      const r = await fetch(urls.file(project, "models", name!, Number(number)), { headers: authHeaders() });
      if (!r.ok) throw new ApiError(r.status, (await r.json().catch(() => null))?.detail ?? null);
      return { graph: G.parseGraph(await r.json()), reports: {} };
    },
  });
  const failed = version.error ?? stored.error;
  if (name && failed) return <Failure error={failed} what={`model ${name} v${number}`} />;
  if (name && stored.isPending) return <Loading what={`model ${name} v${number}`} />;
  const initial = stored.data ?? { graph: G.emptyGraph(), reports: {} };
  return <Editor key={`${name}/${number}`} project={project} initial={initial.graph} shapes={initial.reports} modelName={name ?? ""} version={number ? Number(number) : null} />;
}

// `shapes`: what the stored version says of each node's output (an ONNX model's own shapes)
function Editor({ project, initial, shapes, modelName, version }: { project: string; initial: G.Graph; shapes: Record<string, NodeReport>; modelName: string; version: number | null }) {
  const [graph, setGraph] = useState(initial);
  const [selected, setSelected] = useState<string | null>(null);
  const [saveAs, setSaveAs] = useState(modelName);
  const [reports, setReports] = useState<{ nodes: Record<string, NodeReport>; general: string[] }>({ nodes: {}, general: [] });
  const [saved, setSaved] = useState<{ name: string; version: number } | null>(version ? { name: modelName, version } : null);
  const [saveError, setSaveError] = useState<{ field?: string; message: string } | null>(null);
  const [dirty, setDirty] = useState(false);
  const readOnly = !!graph.view_only;
  const client = useQueryClient();
  const navigate = useNavigate();

  const userLayers = useQuery({
    queryKey: [project, "layers"],
    queryFn: () => data(api.GET("/api/v1/projects/{project}/layers", { params: { path: { project } } })),
  });
  const lib = useMemo(
    () => catalog((userLayers.data ?? []).map((a) => userLayer(a.latest?.metadata ?? {})).filter((l): l is LayerSpec => !!l)),
    [userLayers.data],
  );
  const edit = (f: (g: G.Graph) => G.Graph) => {
    setGraph((g) => f(g));
    setDirty(true);
  };
  useEffect(() => setReports({ nodes: {}, general: [] }), [dirty]);

  const save = useMutation({
    mutationFn: async () => {
      const file = new Blob([JSON.stringify(graph, null, 1)], { type: "application/json" });
      const q = new URLSearchParams({ filename: `${saveAs || "model"}.json` });
      const out = await upload<VersionOut>(`${urls.upload(project, "models", saveAs.trim())}?${q}`, file, authHeaders(), () => {}).done;
      if (!out.ok) throw new ApiError(out.status, out.detail);
      return out.body;
    },
    onMutate: () => setSaveError(null),
    onSuccess: (v) => {
      setSaved({ name: saveAs.trim(), version: v.number });
      setDirty(false);
      client.invalidateQueries({ queryKey: [project, "models"] });
      navigate(`/p/${project}/models/${saveAs.trim()}/versions/${v.number}/graph`, { replace: true });
    },
    onError: (e) => {
      if (!(e instanceof ApiError)) return setSaveError({ message: String(e) });
      const fe = fieldErrors(e.status, e.detail, ["name", "file", "filename"]);
      if (fe.fields.file) setReports(refusalByNode(graph, fe.fields.file));
      const field = Object.keys(fe.fields)[0];
      setSaveError({ field, message: fe.general ?? fe.fields[field] });
    },
  });
  const validate = useMutation({
    mutationFn: () =>
      data(api.POST("/api/v1/projects/{project}/models/{name}/versions/{number}/validate", { params: { path: { project, name: saved!.name, number: saved!.version } } })),
    onSuccess: (v) => setReports(reportsByNode(graph, v)),
  });

  const node = graph.nodes.find((n) => n.id === selected);
  const shown = readOnly ? shapes : reports.nodes; // a view-only graph is never validated
  return (
    <section className="builder" aria-labelledby="builder-title">
      <h1 id="builder-title">
        {readOnly ? "Model viewer" : "Model builder"}
        {saved && <small className="muted"> {saved.name} v{saved.version}{dirty ? " (edited, not saved)" : ""}</small>}
      </h1>
      <div className={readOnly ? "builder-grid view" : "builder-grid"}>
        {!readOnly && (
          <LayerLibrary
            layers={[...lib.values()]}
            onAdd={(l) => {
              const { graph: next, id } = G.appendAfter(graph, l.name, initialParams(l), selected);
              edit(() => next);
              setSelected(id);
            }}
          />
        )}
        <div className="canvas-col">
          <GraphCanvas graph={graph} reports={shown} selected={selected} onSelect={setSelected} onConnect={readOnly ? undefined : (a, b) => edit((g) => G.connect(g, a, b))} />
          {reports.general.map((m, i) => <p key={i} className="field-error" role="alert">{m}</p>)}
          {!readOnly && (
            <form className="save card" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
              <Field label="Graph name" error={saveError?.field === "graph" ? saveError.message : undefined}>
                {(p) => <input {...p} value={graph.name} onChange={(e) => edit((g) => ({ ...g, name: e.target.value }))} />}
              </Field>
              <Field label="Save as model" error={saveError?.field === "name" ? saveError.message : undefined} hint="a-z, 0-9 and '-'; saving adds a version">
                {(p) => <input {...p} value={saveAs} onChange={(e) => setSaveAs(e.target.value)} required />}
              </Field>
              <div className="actions">
                <button type="submit" disabled={save.isPending || !saveAs.trim()}>{save.isPending ? "Saving…" : "Save as new version"}</button>
                <button type="button" disabled={!saved || dirty || validate.isPending} onClick={() => validate.mutate()} title={!saved || dirty ? "Save first: validation builds a stored version" : ""}>
                  {validate.isPending ? "Validating…" : "Validate"}
                </button>
                {validate.data && (
                  <span role="status">
                    {validate.data.ok ? "Valid" : "Not valid"}
                    {validate.data.parameters != null ? `: ${validate.data.parameters} parameters` : ""}
                  </span>
                )}
              </div>
              {saveError && saveError.field !== "name" && <div className="error-box" role="alert">{saveError.message}</div>}
              {validate.error && <Failure error={validate.error} what="the validation" />}
              {saved && !dirty && <p><Link to={`/p/${project}/models/${saved.name}`}>Versions of {saved.name}</Link></p>}
            </form>
          )}
        </div>
        <div className="side">
          <InputsEditor graph={graph} readOnly={readOnly} reports={shown} onChange={(next) => edit(() => next)} />
          {node ? (
            <NodeInspector
              graph={graph}
              node={node}
              spec={lib.get(node.layer)}
              report={shown[node.id]}
              readOnly={readOnly}
              onParam={(n, v) => edit((g) => G.setParam(g, node.id, n, v))}
              onConnect={(from) => edit((g) => G.connect(g, from, node.id))}
              onDisconnect={(from) => edit((g) => G.disconnect(g, from, node.id))}
              onToggleOutput={() => edit((g) => G.toggleOutput(g, node.id))}
              onRemove={() => { edit((g) => G.removeNode(g, node.id)); setSelected(null); }}
            />
          ) : (
            <p className="muted">{graph.nodes.length ? "Select a node to see its parameters." : "Add a layer from the library to start."}</p>
          )}
        </div>
      </div>
    </section>
  );
}
