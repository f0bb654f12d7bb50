// A project's tasks with the phase of their last run, refreshed while the page is open. The
// task listing has no last run: each row asks for its task's runs (only if it has any).

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
import type { TaskOut } from "../../api/contract";
import { age } from "../../components/format";
import { Empty, Failure, Loading } from "../../components/States";

export function TaskList() {
  const { project = "" } = useParams();
  const tasks = useQuery({
    queryKey: [project, "tasks"],
    queryFn: () => data(api.GET("/api/v1/projects/{project}/tasks", { params: { path: { project } } })),
    refetchInterval: 3000,
  });
  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <p><Link className="button" to={`/p/${project}/tasks/new`}>New task</Link></p>
      {tasks.isPending ? <Loading what="tasks" /> : tasks.error ? <Failure error={tasks.error} what="tasks" /> : tasks.data.length === 0 ? (
        <Empty>No tasks in {project}: create one from a dataset, training code and (optionally) a model.</Empty>
      ) : (
        <table className="grid">
          <thead><tr><th scope="col">Task</th><th scope="col">Framework</th><th scope="col">Last run</th><th scope="col">Phase</th><th scope="col">Runs</th><th scope="col">Age</th></tr></thead>
          <tbody>
            {tasks.data.map((t) => <TaskRow key={t.name} project={project} t={t} />)}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TaskRow({ project, t }: { project: string; t: TaskOut }) {
  const runs = useQuery({
    queryKey: [project, "tasks", t.name, "runs"],
    enabled: t.runs > 0,
    queryFn: () => data(api.GET("/api/v1/projects/{project}/tasks/{task}/runs", { params: { path: { project, task: t.name } } })),
    refetchInterval: 3000,
  });
  const last = runs.data ? [...runs.data].sort((a, b) => b.number - a.number)[0] : undefined;
  const framework = typeof t.spec.framework === "string" ? t.spec.framework : "—";
  return (
    <tr>
      <td><Link to={`/p/${project}/tasks/${t.name}`}>{t.name}</Link></td>
      <td>{framework}</td>
      <td>{last ? <Link to={`/p/${project}/runs/${last.name}`}>{last.name}</Link> : "—"}</td>
      <td><span className={`phase ${last?.phase ?? "none"}`}>{last?.phase ?? (t.runs > 0 ? "…" : "never run")}</span></td>
      <td>{t.runs}</td>
      <td>{age(t.created_at)}</td>
    </tr>
  );
}
