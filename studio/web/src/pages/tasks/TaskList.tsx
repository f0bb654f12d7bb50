// A project's tasks with the phase of their last run, refreshed while the page is open.

import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api, data } from "../../api/client";
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
            {tasks.data.map((t) => (
              <tr key={t.name}>
                <td><Link to={`/p/${project}/tasks/${t.name}`}>{t.name}</Link></td>
                <td>{t.framework}</td>
                <td>{t.last_run ? <Link to={`/p/${project}/runs/${t.last_run}`}>{t.last_run}</Link> : "—"}</td>
                <td><span className={`phase ${t.phase ?? "none"}`}>{t.phase ?? "never run"}</span></td>
                <td>{t.runs ?? 0}</td>
                <td>{age(t.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
