// The routes the web app calls, typed. Everything comes from the generated `schema.d.ts`
// except what the service on this branch does not serve yet:
//  - `MovedPaths`: the artifact routes of the schema, moved under /projects/{project}/ as the
//    contract says (same operations, one more path parameter);
//  - `PendingPaths`: contract routes absent from the schema (whoami, projects, tasks, runs,
//    validation), typed by hand from the contract.
// Once the service's schema has them, `npm run gen` brings them into `paths` and these two go.

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ArtifactOut = Schemas["ArtifactOut"];
export type ArtifactDetail = Schemas["ArtifactDetail"];
export type VersionOut = Schemas["VersionOut"];
export const KINDS = ["datasets", "algorithms", "layers", "models"] as const;
export type Kind = (typeof KINDS)[number];

type PathParams<P> = P extends { path?: infer X } ? ([NonNullable<X>] extends [never] ? unknown : NonNullable<X>) : unknown;
type WithProject<Op> = Op extends { parameters: infer P }
  ? Omit<Op, "parameters"> & { parameters: Omit<P, "path"> & { path: PathParams<P> & { project: string } } }
  : Op;
type MovedKey<K> = K extends `/api/v1/${infer R}` ? (R extends `${Kind}${string}` ? `/api/v1/projects/{project}/${R}` : never) : never;
type MovedPaths = {
  [K in keyof paths as MovedKey<K>]: {
    [M in keyof paths[K]]: M extends "parameters" ? paths[K][M] : WithProject<paths[K][M]>;
  };
};

// ---- hand-typed from the contract, until the schema has them ----

export interface Whoami {
  username: string;
  groups: string[];
  mode: "token" | "local";
}
export interface Project {
  name: string;
}
export interface Ref {
  name: string;
  version: number;
}
export interface TaskRole {
  name: string;
  replicas: number;
  cpu: string;
  memory: string;
  gpu: number;
}
export interface TaskIn {
  name: string;
  description?: string;
  framework: string;
  roles: TaskRole[];
  image?: string | null;
  command: string[];
  working_dir?: string | null;
  hyperparameters: Record<string, string | number | boolean>;
  dataset: Ref;
  algorithm: Ref;
  model?: Ref | null;
}
export interface TaskOut extends TaskIn {
  created_at?: string;
  runs?: number;
  phase?: string | null;
  last_run?: string | null;
}
export interface Check {
  ok: boolean;
  issues: { field: string; message: string }[];
}
export interface PodOut {
  name: string;
  role: string;
  phase: string;
  exitCode?: number | null;
  restarts?: number;
}
export interface RunOut {
  name: string;
  task?: string;
  number?: number;
  phase: string | null;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  roles?: { name: string; replicas?: number; phase?: string; dependsOn?: string[] }[];
  pods?: PodOut[];
  timings?: Record<string, string | null>;
  events?: { reason: string; message: string; object?: string; time?: string }[];
}
export interface ResultFile {
  path: string;
  size: number;
}
export interface MetricRow {
  step: number;
  name: string;
  value: number;
  time: string;
  pod: string;
}
export interface ModelCheck {
  ok: boolean;
  parameters?: { total?: number; trainable?: number } | number;
  layers: { id: string; type: string; outputShape: (number | null)[] | null }[];
  issues: { node?: string | null; param?: string | null; message: string; path?: string }[];
}
export interface AlgorithmCheck {
  ok: boolean;
  phase: string;
  log: string;
}

type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type Refusals = { 401: Json<Schemas["Error"]>; 403: Json<Schemas["Error"]>; 404: Json<Schemas["Error"]>; 409: Json<Schemas["Error"]>; 422: Json<Schemas["HTTPValidationError"]>; 503: Json<Schemas["Error"]> };
type Op<Path, Res, Body = never, Status extends number = 200> = {
  parameters: { query?: never; header?: never; cookie?: never } & ([Path] extends [never] ? { path?: never } : { path: Path });
  responses: { [S in Status]: Json<Res> } & Refusals;
} & ([Body] extends [never] ? { requestBody?: never } : { requestBody: { content: { "application/json": Body } } });
type P = { project: string };
type PT = P & { task: string };
type PR = P & { run: string };
type Route = { parameters: { query?: never; header?: never; path?: never; cookie?: never } };

interface PendingPaths {
  "/api/v1/whoami": Route & { get: Op<never, Whoami> };
  "/api/v1/projects": Route & { get: Op<never, Project[]> };
  "/api/v1/projects/{project}/tasks": Route & { get: Op<P, TaskOut[]>; post: Op<P, TaskOut, TaskIn, 201> };
  "/api/v1/projects/{project}/tasks/{task}": Route & {
    get: Op<PT, TaskOut>;
    put: Op<PT, TaskOut, TaskIn>;
    delete: Op<PT, unknown, never, 204>;
  };
  "/api/v1/projects/{project}/tasks/{task}/validate": Route & { post: Op<PT, Check, TaskIn> };
  "/api/v1/projects/{project}/tasks/{task}/runs": Route & { get: Op<PT, RunOut[]>; post: Op<PT, RunOut, never, 201> };
  "/api/v1/projects/{project}/runs/{run}": Route & { get: Op<PR, RunOut>; delete: Op<PR, unknown, never, 204> };
  "/api/v1/projects/{project}/runs/{run}/stop": Route & { post: Op<PR, RunOut> };
  "/api/v1/projects/{project}/runs/{run}/results": Route & { get: Op<PR, ResultFile[]> };
  "/api/v1/projects/{project}/runs/{run}/metrics": Route & { get: Op<PR, MetricRow[]> };
  "/api/v1/projects/{project}/models/{name}/versions/{number}/validate": Route & {
    post: Op<P & { name: string; number: number }, ModelCheck>;
  };
  "/api/v1/projects/{project}/algorithms/{name}/versions/{number}/validate": Route & {
    post: Op<P & { name: string; number: number }, AlgorithmCheck, { dataset: Ref; steps?: number }>;
  };
}

export type ApiPaths = paths & MovedPaths & PendingPaths;

/** Plain URLs (downloads, the live socket) of routes a link or a socket opens, not fetch. */
export const urls = {
  file: (project: string, kind: Kind, name: string, n: number) =>
    `/api/v1/projects/${enc(project)}/${kind}/${enc(name)}/versions/${n}/file`,
  upload: (project: string, kind: Kind, name: string) => `/api/v1/projects/${enc(project)}/${kind}/${enc(name)}/versions`,
  result: (project: string, run: string, path: string) =>
    `/api/v1/projects/${enc(project)}/runs/${enc(run)}/results/${path.split("/").map(enc).join("/")}`,
  resultsTar: (project: string, run: string) => `/api/v1/projects/${enc(project)}/runs/${enc(run)}/results.tar`,
  log: (project: string, run: string, pod: string) => `/api/v1/projects/${enc(project)}/runs/${enc(run)}/logs/${enc(pod)}`,
  live: (project: string, run: string, after: number) => {
    const { protocol, host } = window.location;
    const ws = protocol === "https:" ? "wss:" : "ws:";
    return `${ws}//${host}/api/v1/projects/${enc(project)}/runs/${enc(run)}/live?after=${after}`;
  },
};

function enc(s: string): string {
  return encodeURIComponent(s);
}
