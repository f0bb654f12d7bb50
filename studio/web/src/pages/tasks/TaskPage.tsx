// One task: what it runs, its runs (newest first) with their phases, and the actions on it.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
import { fromTask } from "../../lib/task";
import { issuesByField } from "../../lib/errors";
import { Empty, Failure, Loading } from "../../components/States";

export function TaskPage() {
  const { project = "", task = "" } = useParams();
  const path = { project, task };
  const client = useQueryClient();
  const navigate = useNavigate();
  const t = useQuery({ queryKey: [project, "tasks", task], queryFn: () => data(api.GET("/api/v1/projects/{project}/tasks/{task}", { params: { path } })) });
  const runs = useQuery({ queryKey: [project, "tasks", task, "runs"], queryFn: () => data(api.GET("/api/v1/projects/{project}/tasks/{task}/runs", { params: { path } })), refetchInterval: 3000 });
  const start = useMutation({
    mutationFn: () => data(api.POST("/api/v1/projects/{project}/tasks/{task}/runs", { params: { path } })),
    onSuccess: (r) => navigate(`/p/${project}/runs/${r.name}`),
  });
  const check = useMutation({ mutationFn: () => data(api.POST("/api/v1/projects/{project}/tasks/{task}/validate", { params: { path } })) });
  const remove = useMutation({
    mutationFn: () => data(api.DELETE("/api/v1/projects/{project}/tasks/{task}", { params: { path } })),
    onSuccess: () => { client.invalidateQueries({ queryKey: [project, "tasks"] }); navigate(`/p/${project}/tasks`); },
  });
  if (t.isPending) return <Loading what={`task ${task}`} />;
  if (t.error) return <Failure error={t.error} what={`task ${task}`} />;
  const x = fromTask(t.data);
  const ordered = runs.data ? [...runs.data].sort((a, b) => b.number - a.number) : [];
  return (
    <section aria-labelledby="task-title">
      <p><Link to={`/p/${project}/tasks`}>← tasks</Link></p>
      <h1 id="task-title">{x.name}</h1>
      {x.description && <p>{x.description}</p>}
      <p className="actions">
        <button type="button" onClick={() => start.mutate()} disabled={start.isPending}>Start a run</button>
        <button type="button" onClick={() => check.mutate()} disabled={check.isPending}>Check</button>
        <Link className="button" to={`/p/${project}/tasks/${task}/edit`}>Edit</Link>
        <Link className="button" to={`/p/${project}/tasks/new?from=${task}`}>Clone</Link>
        <button type="button" className="danger" onClick={() => window.confirm(`Delete task ${task}?`) && remove.mutate()}>Delete</button>
      </p>
      {start.error && <Failure error={start.error} what="a new run" />}
      {remove.error && <Failure error={remove.error} action="delete it" />}
      {check.error && <Failure error={check.error} what="the check" />}
      {check.data && (check.data.ok ? <p role="status">The API server accepts the next run's TrainingJob (dry-run).</p> : (
        <ul className="error-box" role="alert">{Object.entries(issuesByField(check.data.issues)).map(([k, m]) => <li key={k}><code>{k}</code>: {m}</li>)}</ul>
      ))}
      <dl className="meta">
        <dt>Framework</dt><dd>{x.framework}</dd>
        <dt>Dataset</dt><dd>{x.dataset.name} v{x.dataset.version ?? "latest"}</dd>
        <dt>Algorithm</dt><dd>{x.algorithm.name} v{x.algorithm.version ?? "latest"}</dd>
        <dt>Model</dt><dd>{x.model ? `${x.model.name} v${x.model.version}` : "—"}</dd>
        <dt>Roles</dt><dd>{x.roles.map((r) => `${r.name} ×${r.replicas} (${r.cpu} CPU, ${r.memory}${r.gpu ? `, ${r.gpu} GPU` : ""})`).join("; ")}</dd>
        <dt>Command</dt><dd><code>{x.command.join(" ")}</code></dd>
        <dt>Hyper-parameters</dt><dd>{Object.entries(x.hyperparameters).map(([k, v]) => `${k}=${v}`).join(", ") || "—"}</dd>
      </dl>
      <h2>Runs</h2>
      {runs.isPending ? <Loading what="runs" /> : runs.error ? <Failure error={runs.error} what="runs" /> : ordered.length === 0 ? <Empty>Not run yet.</Empty> : (
        <table className="grid">
          <thead><tr><th scope="col">Run</th><th scope="col">Phase</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
          <tbody>
            {ordered.map((r) => (
              <tr key={r.name}><td><Link to={`/p/${project}/runs/${r.name}`}>{r.name}</Link></td><td><span className={`phase ${r.phase}`}>{r.phase}</span></td><td>{r.started_at ?? ""}</td><td>{r.finished_at ?? ""}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
