// A run: its phase, role graph, pods, conditions, events, logs, live metric charts and results.
// The live socket brings phase, pods, events, logs and metrics (replayed after a reconnect);
// the run route brings what the socket does not (conditions, roles, timings), also after the
// TrainingJob is gone, from the stored history.

import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
import { urls } from "../../api/contract";
import { bytes } from "../../components/format";
import { Empty, Failure, Loading } from "../../components/States";
import { settled } from "../../lib/live";
import { LogViewer } from "./LogViewer";
import { MetricChart } from "./MetricChart";
import { RoleGraph } from "./RoleGraph";
import { useLive } from "./useLive";

export function RunPage() {
  const { project = "", run = "" } = useParams();
  const path = { project, run };
  const { state, connection } = useLive(project, run);
  const info = useQuery({ queryKey: [project, "runs", run], queryFn: () => data(api.GET("/api/v1/projects/{project}/runs/{run}", { params: { path } })), refetchInterval: 5000 });
  const phase = state.phase ?? info.data?.phase ?? null;
  const done = settled(phase);
  const results = useQuery({ queryKey: [project, "runs", run, "results", done], queryFn: () => data(api.GET("/api/v1/projects/{project}/runs/{run}/results", { params: { path } })) });
  const stop = useMutation({ mutationFn: () => data(api.POST("/api/v1/projects/{project}/runs/{run}/stop", { params: { path } })) });
  const navigate = useNavigate();
  // restart: a new run of the same task (a run itself is never started twice)
  const again = useMutation({
    mutationFn: (task: string) => data(api.POST("/api/v1/projects/{project}/tasks/{task}/runs", { params: { path: { project, task } } })),
    onSuccess: (next) => navigate(`/p/${project}/runs/${next.name}`),
  });

  if (info.isPending) return <Loading what={`run ${run}`} />;
  if (info.error) return <Failure error={info.error} what={`run ${run}`} />;
  const r = info.data;
  const pods = Object.keys(state.pods).length
    ? Object.values(state.pods)
    : r.pods;
  const events = state.events.length ? state.events : r.events ?? [];
  return (
    <section aria-labelledby="run-title">
      {r.task && <p><Link to={`/p/${project}/tasks/${r.task}`}>← task {r.task}</Link></p>}
      <h1 id="run-title">
        Run {run} <span className={`phase ${phase}`} data-phase={phase ?? ""}>{phase ?? "unknown"}</span>
        <small className={`conn ${connection}`} role="status">{connection === "open" ? "live" : connection === "connecting" ? "connecting…" : "reconnecting…"}</small>
      </h1>
      {state.message && <p>{state.message}</p>}
      <p className="actions">
        {!done && <button type="button" onClick={() => stop.mutate()} disabled={stop.isPending}>Stop</button>}
        {done && r.task && <button type="button" onClick={() => again.mutate(r.task!)} disabled={again.isPending}>Run again</button>}
        {stop.error && <Failure error={stop.error} what="stopping" />}
        {again.error && <Failure error={again.error} what="a new run" />}
      </p>
      <div className="split">
        <div>
          <h2>Roles</h2>
          {r.roles.length ? <RoleGraph roles={r.roles} pods={pods} /> : <p className="muted">No roles reported.</p>}
          <h2>Pods</h2>
          {pods.length === 0 ? <Empty>No pods yet.</Empty> : (
            <table className="grid">
              <thead><tr><th scope="col">Pod</th><th scope="col">Role</th><th scope="col">Phase</th><th scope="col">Exit code</th><th scope="col">Restarts</th></tr></thead>
              <tbody>{pods.map((p) => <tr key={p.pod}><td>{p.pod}</td><td>{p.role}</td><td><span className={`phase ${p.phase}`}>{p.phase}</span></td><td>{p.exitCode ?? ""}</td><td>{p.restarts}</td></tr>)}</tbody>
            </table>
          )}
          <h2>Conditions</h2>
          {r.conditions?.length ? (
            <table className="grid">
              <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
              <tbody>{r.conditions.map((c, i) => <tr key={i}><td>{text(c.type)}</td><td>{text(c.status)}</td><td>{text(c.reason)}</td><td>{text(c.message)}</td></tr>)}</tbody>
            </table>
          ) : <p className="muted">None yet.</p>}
          <h2>Events</h2>
          {events.length ? <ul className="events">{events.slice(-50).map((e, i) => <li key={i}><strong>{e.reason}</strong> {e.object && <code>{e.object}</code>} {e.message}</li>)}</ul> : <p className="muted">None yet.</p>}
        </div>
        <div>
          <h2>Metrics</h2>
          {Object.keys(state.metrics).length === 0 ? <Empty>No metrics yet: the training code prints them (sdk.log_metric).</Empty> : (
            Object.entries(state.metrics).map(([name, points]) => <MetricChart key={name} name={name} points={points} />)
          )}
          <h2>Logs</h2>
          <LogViewer project={project} run={run} logs={state.logs} />
          <h2>Results</h2>
          {results.isPending ? <Loading what="results" /> : results.error ? <Failure error={results.error} what="results" /> : results.data.length === 0 ? <Empty>{done ? "The run wrote no results." : "Results appear when pods write them."}</Empty> : (
            <>
              <p><a href={urls.resultsTar(project, run)} download={`${run}.tar`}>Download all (tar)</a></p>
              <table className="grid">
                <thead><tr><th scope="col">File</th><th scope="col">Size</th></tr></thead>
                <tbody>{results.data.map((f) => <tr key={f.path}><td><a href={urls.result(project, run, f.path)} download>{f.path}</a></td><td>{bytes(f.size)}</td></tr>)}</tbody>
              </table>
            </>
          )}
        </div>
      </div>
    </section>
  );
}

function text(v: unknown): string {
  return v == null ? "" : String(v);
}
