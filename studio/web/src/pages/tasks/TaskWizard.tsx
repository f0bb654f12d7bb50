// Creating (or editing, or cloning) a task: what to train on and with, the roles and their
// resources, the hyper-parameters. While one types, the task is checked by the service's
// validate route (the TrainingJob it renders, dry-run on the API server) and each issue shows
// next to its field; submitting shows the 422's fields the same way.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, data } from "../../api/client";
import type { ArtifactOut, Kind, Ref, TaskRole } from "../../api/contract";
import { Field } from "../../components/Field";
import { Failure, Loading } from "../../components/States";
import { ApiError, fieldErrors } from "../../lib/errors";
import { type Draft, FRAMEWORKS, type Framework, fromTask, toTaskIn, wizardField } from "../../lib/task";

const ROLE: TaskRole = { name: "worker", replicas: 1, cpu: "1", memory: "2Gi", gpu: 0 };

function blank(): Draft {
  return { name: "", description: "", framework: "pytorch", roles: [{ ...ROLE }], image: null, command: ["python", "main.py"], working_dir: null, hyperparameters: {}, dataset: { name: "", version: null }, algorithm: { name: "", version: null }, model: null };
}

export function TaskWizard() {
  const { project = "", task } = useParams();
  const [search] = useSearchParams();
  const source = task ?? search.get("from");
  const existing = useQuery({
    queryKey: [project, "tasks", source],
    enabled: !!source,
    queryFn: () => data(api.GET("/api/v1/projects/{project}/tasks/{task}", { params: { path: { project, task: source! } } })),
  });
  if (source && existing.isPending) return <Loading what={`task ${source}`} />;
  if (source && existing.error) return <Failure error={existing.error} what={`task ${source}`} />;
  const start = existing.data ? { ...fromTask(existing.data), name: task ? existing.data.name : `${existing.data.name}-copy` } : blank();
  return <TaskForm project={project} editing={task ?? null} initial={start} />;
}

function useArtifacts(project: string, kind: Kind) {
  return useQuery({ queryKey: [project, kind], queryFn: () => data(api.GET(`/api/v1/projects/{project}/${kind}`, { params: { path: { project } } })) });
}

function TaskForm({ project, editing, initial }: { project: string; editing: string | null; initial: Draft }) {
  const [t, setT] = useState<Draft>(initial);
  const [hp, setHp] = useState(Object.entries(initial.hyperparameters).map(([k, v]) => ({ k, v: String(v) })));
  const [command, setCommand] = useState(initial.command.join(" "));
  const [refused, setRefused] = useState<{ fields: Record<string, string>; general: string | null }>({ fields: {}, general: null });
  const datasets = useArtifacts(project, "datasets");
  const algorithms = useArtifacts(project, "algorithms");
  const models = useArtifacts(project, "models");
  const navigate = useNavigate();
  const client = useQueryClient();

  const body = useMemo(() => toTaskIn({
    ...t,
    command: command.trim() ? command.trim().split(/\s+/) : [],
    hyperparameters: Object.fromEntries(hp.filter((r) => r.k.trim()).map((r) => [r.k.trim(), typed(r.v)])),
  }), [t, hp, command]);

  const submit = useMutation({
    mutationFn: () =>
      editing
        ? data(api.PUT("/api/v1/projects/{project}/tasks/{task}", { params: { path: { project, task: editing } }, body }))
        : data(api.POST("/api/v1/projects/{project}/tasks", { params: { path: { project } }, body })),
    onMutate: () => setRefused({ fields: {}, general: null }),
    onSuccess: (x) => { client.invalidateQueries({ queryKey: [project, "tasks"] }); navigate(`/p/${project}/tasks/${x.name}`); },
    onError: (e) => setRefused(e instanceof ApiError ? shown(fieldErrors(e.status, e.detail)) : { fields: {}, general: String(e) }),
  });
  const err = (f: string) => refused.fields[f];
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setT((x) => ({ ...x, [k]: v }));
  const setRole = (i: number, r: Partial<TaskRole>) => set("roles", t.roles.map((x, j) => (j === i ? { ...x, ...r } : x)));
  const unplaced = Object.entries(refused.fields).filter(([k]) => !isShown(k, t.roles.length));

  return (
    <form className="wizard" onSubmit={(e) => { e.preventDefault(); submit.mutate(); }} aria-labelledby="wiz-title">
      <h1 id="wiz-title">{editing ? `Edit task ${editing}` : "New task"}</h1>
      {refused.general && <div className="error-box" role="alert">{refused.general}</div>}
      {unplaced.length > 0 && <ul className="error-box" role="alert">{unplaced.map(([k, m]) => <li key={k}><code>{k}</code>: {m}</li>)}</ul>}
      <fieldset>
        <legend>1. What</legend>
        <div className="row">
          <Field label="Task name" error={err("name")}>{(p) => <input {...p} value={t.name} readOnly={!!editing} onChange={(e) => set("name", e.target.value)} required />}</Field>
          <Field label="Framework" error={err("framework")}>
            {(p) => <select {...p} value={t.framework} onChange={(e) => set("framework", e.target.value as Framework)}>{FRAMEWORKS.map((f) => <option key={f}>{f}</option>)}</select>}
          </Field>
        </div>
        <Field label="Description" error={err("description")}>{(p) => <input {...p} value={t.description ?? ""} onChange={(e) => set("description", e.target.value)} />}</Field>
      </fieldset>
      <fieldset>
        <legend>2. Inputs</legend>
        <RefPicker label="Dataset" field="dataset" kind="datasets" project={project} list={datasets.data} value={t.dataset} error={err("dataset")} onChange={(r) => set("dataset", r!)} />
        <RefPicker label="Algorithm" field="algorithm" kind="algorithms" project={project} list={algorithms.data} value={t.algorithm} error={err("algorithm")} onChange={(r) => set("algorithm", r!)} />
        <RefPicker label="Model" field="model" kind="models" project={project} optional list={models.data} value={t.model ?? null} error={err("model")} onChange={(r) => set("model", r)} />
      </fieldset>
      <fieldset>
        <legend>3. Roles and resources</legend>
        {t.roles.map((r, i) => (
          <div className="row role" key={i}>
            <Field label={`Role ${i + 1} name`} error={err(`roles.${i}.name`)}>{(p) => <input {...p} value={r.name} onChange={(e) => setRole(i, { name: e.target.value })} />}</Field>
            <Field label="Replicas" error={err(`roles.${i}.replicas`)}>{(p) => <input {...p} type="number" min={0} value={r.replicas} onChange={(e) => setRole(i, { replicas: Number(e.target.value) })} />}</Field>
            <Field label="CPU" error={err(`roles.${i}.cpu`)} hint="2, 0.5, 500m">{(p) => <input {...p} value={r.cpu} onChange={(e) => setRole(i, { cpu: e.target.value })} />}</Field>
            <Field label="Memory" error={err(`roles.${i}.memory`)} hint="512Mi, 4Gi">{(p) => <input {...p} value={r.memory} onChange={(e) => setRole(i, { memory: e.target.value })} />}</Field>
            <Field label="GPU" error={err(`roles.${i}.gpu`)}>{(p) => <input {...p} type="number" min={0} value={r.gpu} onChange={(e) => setRole(i, { gpu: Number(e.target.value) })} />}</Field>
            {t.roles.length > 1 && <button type="button" className="link" onClick={() => set("roles", t.roles.filter((_, j) => j !== i))}>Remove role {i + 1}</button>}
          </div>
        ))}
        <button type="button" onClick={() => set("roles", [...t.roles, { ...ROLE, name: `role${t.roles.length + 1}` }])}>Add a role</button>
        <div className="row">
          <Field label="Command" error={err("command")} hint="run in the algorithm's directory">{(p) => <input {...p} value={command} onChange={(e) => setCommand(e.target.value)} />}</Field>
          <Field label="Image" error={err("image")} hint="default: the framework's image">{(p) => <input {...p} value={t.image ?? ""} onChange={(e) => set("image", e.target.value || null)} />}</Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>4. Hyper-parameters</legend>
        {hp.map((r, i) => (
          <div className="row" key={i}>
            <Field label={`Name ${i + 1}`} error={err(`hyperparameters.${r.k}`)}>{(p) => <input {...p} value={r.k} onChange={(e) => setHp(hp.map((x, j) => (j === i ? { ...x, k: e.target.value } : x)))} />}</Field>
            <Field label={`Value ${i + 1}`}>{(p) => <input {...p} value={r.v} onChange={(e) => setHp(hp.map((x, j) => (j === i ? { ...x, v: e.target.value } : x)))} />}</Field>
            <button type="button" className="link" onClick={() => setHp(hp.filter((_, j) => j !== i))}>Remove</button>
          </div>
        ))}
        {err("hyperparameters") && <p className="field-error" role="alert">{err("hyperparameters")}</p>}
        <button type="button" onClick={() => setHp([...hp, { k: "", v: "" }])}>Add a hyper-parameter</button>
      </fieldset>
      <p className="actions">
        <button type="submit" disabled={submit.isPending}>{editing ? "Save task" : "Create task"}</button>
      </p>
    </form>
  );
}

function isShown(field: string, roles: number): boolean {
  const plain = ["name", "framework", "description", "dataset", "algorithm", "model", "command", "image", "hyperparameters"];
  if (plain.some((p) => field === p || field.startsWith(`${p}.`))) return true;
  const m = /^roles\.(\d+)\.(name|replicas|cpu|memory|gpu)$/.exec(field);
  return !!m && Number(m[1]) < roles;
}

/** A 422's fields keyed as the wizard's fields are (`references.dataset` → `dataset`). */
function shown(e: { fields: Record<string, string>; general: string | null }) {
  return { general: e.general, fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [wizardField(k), v])) };
}

/** A hyper-parameter's text as the JSON value it reads as: 0.1 and 64 are numbers, true a bool. */
export function typed(v: string): string | number | boolean {
  const s = v.trim();
  if (s === "true" || s === "false") return s === "true";
  if (s !== "" && Number.isFinite(Number(s))) return Number(s);
  return v;
}

function RefPicker({ label, field, kind, project, list, value, optional, error, onChange }: {
  label: string; field: string; kind: Kind; project: string; list?: ArtifactOut[]; value: Ref | null; optional?: boolean; error?: string; onChange: (r: Ref | null) => void;
}) {
  const name = value?.name ?? "";
  // the versions that exist (a deleted one leaves a gap in the numbers)
  const detail = useQuery({
    queryKey: [project, kind, name],
    enabled: !!name,
    queryFn: () => data(api.GET(`/api/v1/projects/{project}/${kind}/{name}`, { params: { path: { project, name } } })),
  });
  const numbers = [...(detail.data?.versions ?? [])].map((v) => v.number).reverse();
  return (
    <div className="row" data-field={field}>
      <Field label={label} error={error}>
        {(p) => (
          <select {...p} value={value?.name ?? ""} onChange={(e) => {
            const a = list?.find((x) => x.name === e.target.value);
            onChange(a ? { name: a.name, version: a.latest?.number ?? 1 } : null);
          }}>
            <option value="">{optional ? "none" : "choose…"}</option>
            {list?.map((a) => <option key={a.name} value={a.name}>{a.name}</option>)}
          </select>
        )}
      </Field>
      <Field label={`${label} version`}>
        {(p) => (
          <select {...p} disabled={!numbers.length} value={value?.version ?? ""} onChange={(e) => onChange({ name: value!.name, version: Number(e.target.value) })}>
            {numbers.map((n) => <option key={n} value={n}>v{n}</option>)}
          </select>
        )}
      </Field>
    </div>
  );
}
