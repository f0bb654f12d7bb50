// The frame of every page: who is signed in, the project switcher, the navigation, the routes.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useSyncExternalStore } from "react";
import { Navigate, NavLink, Route, Routes, useNavigate, useParams } from "react-router-dom";
import { api, data } from "./api/client";
import { KINDS } from "./api/contract";
import { session } from "./api/session";
import { Failure, Loading } from "./components/States";
import { ApiError } from "./lib/errors";
import { ArtifactList } from "./pages/artifacts/ArtifactList";
import { ArtifactPage } from "./pages/artifacts/ArtifactPage";
import { SignIn } from "./pages/signin/SignIn";
import { TaskList } from "./pages/tasks/TaskList";
import { TaskPage } from "./pages/tasks/TaskPage";
import { TaskWizard } from "./pages/tasks/TaskWizard";

// the graph and chart pages load their libraries (React Flow, dagre, uPlot) when first opened
const Builder = lazy(() => import("./pages/builder/Builder").then((m) => ({ default: m.Builder })));
const RunPage = lazy(() => import("./pages/run/RunPage").then((m) => ({ default: m.RunPage })));

const LABELS: Record<string, string> = { datasets: "Datasets", algorithms: "Algorithms", layers: "Layers", models: "Models" };

export function App() {
  const token = useSyncExternalStore(session.subscribe, session.token);
  const client = useQueryClient();
  const me = useQuery({ queryKey: ["whoami", token], queryFn: () => data(api.GET("/api/v1/whoami")) });
  useEffect(() => {
    client.invalidateQueries();
  }, [token, client]);

  if (me.isPending) return <Loading what="your identity" />;
  if (me.error instanceof ApiError && me.error.status === 401) return <SignIn rejected={!!token} />;
  if (me.error) return <Failure error={me.error} what="your identity" />;
  return (
    <Routes>
      <Route path="/p/:project/*" element={<Shell user={me.data.username} mode={me.data.mode} />} />
      <Route path="*" element={<PickProject />} />
    </Routes>
  );
}

function useProjects() {
  return useQuery({ queryKey: ["projects"], queryFn: () => data(api.GET("/api/v1/projects")) });
}

function PickProject() {
  const projects = useProjects();
  if (projects.isPending) return <Loading what="projects" />;
  if (projects.error) return <Failure error={projects.error} what="projects" />;
  if (!projects.data.length) {
    return <main className="page"><p className="empty">You may use no project (namespace). Ask an administrator for access.</p></main>;
  }
  const last = session.lastProject();
  const pick = projects.data.find((p) => p.name === last)?.name ?? projects.data[0].name;
  return <Navigate to={`/p/${pick}/datasets`} replace />;
}

function Shell({ user, mode }: { user: string; mode: string }) {
  const { project = "" } = useParams();
  const projects = useProjects();
  const navigate = useNavigate();
  const names = projects.data?.map((p) => p.name);
  // a project not among the caller's (no rights there, or no such namespace) is not offered,
  // and its pages are not shown: the service refuses them (403) to this caller anyway
  const notYours = !!names && !names.includes(project);
  useEffect(() => {
    if (!notYours) session.rememberProject(project);
  }, [project, notYours]);
  return (
    <>
      <header className="top">
        <a className="brand" href={`/p/${project}/datasets`}>Troupe Studio</a>
        <label className="switcher">
          Project
          <select value={notYours ? "" : project} onChange={(e) => navigate(`/p/${e.target.value}/datasets`)}>
            {notYours && <option value="" disabled>choose a project</option>}
            {(names ?? [project]).map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        <nav aria-label="Pages">
          {KINDS.map((k) => (
            <NavLink key={k} to={`/p/${project}/${k}`}>{LABELS[k]}</NavLink>
          ))}
          <NavLink to={`/p/${project}/builder`}>Model builder</NavLink>
          <NavLink to={`/p/${project}/tasks`}>Tasks</NavLink>
        </nav>
        <span className="user">
          {user}
          {mode === "token" ? (
            <button type="button" className="link" onClick={() => session.signOut()}>Sign out</button>
          ) : (
            <span className="muted"> (local)</span>
          )}
        </span>
      </header>
      <main className="page" id="main">
        {projects.isPending ? (
          <Loading what="your projects" />
        ) : notYours ? (
          <div className="error-box" role="alert">
            Project <code>{project}</code> is not one of yours: you may not use that namespace, or there is none of that name.
            {names.length ? " Choose one of yours above." : " Ask an administrator for access."}
          </div>
        ) : (
        <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          {KINDS.map((k) => (
            <Route key={k} path={k} element={<ArtifactList kind={k} />} />
          ))}
          {KINDS.map((k) => (
            <Route key={`${k}-one`} path={`${k}/:name`} element={<ArtifactPage kind={k} />} />
          ))}
          <Route path="builder" element={<Builder />} />
          <Route path="models/:name/versions/:number/graph" element={<Builder />} />
          <Route path="tasks" element={<TaskList />} />
          <Route path="tasks/new" element={<TaskWizard />} />
          <Route path="tasks/:task" element={<TaskPage />} />
          <Route path="tasks/:task/edit" element={<TaskWizard />} />
          <Route path="runs/:run" element={<RunPage />} />
          <Route path="*" element={<Navigate to="datasets" replace />} />
        </Routes>
        </Suspense>
        )}
      </main>
    </>
  );
}
