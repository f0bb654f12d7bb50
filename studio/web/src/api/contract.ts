// The routes the web app calls, typed: all of them come from the generated `schema.d.ts`
// (`npm run gen` / `make web-api`). What the schema cannot express stays here: the plain URLs
// a link or the live socket opens (see `urls`), and the socket's messages (lib/live.ts).

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type ArtifactOut = Schemas["ArtifactOut"];
export type ArtifactDetail = Schemas["ArtifactDetail"];
export type VersionOut = Schemas["VersionOut"];
export type TaskIn = Schemas["TaskIn"];
export type TaskOut = Schemas["TaskOut"];
export type TaskRole = Schemas["TaskRole"];
export type Ref = Schemas["Ref"];
export type RunOut = Schemas["RunOut"];
export type RunBrief = Schemas["RunBrief"];
export type PodOut = Schemas["PodOut"];
export const KINDS = ["datasets", "algorithms", "layers", "models"] as const;
export type Kind = (typeof KINDS)[number];

export type ApiPaths = paths;

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
