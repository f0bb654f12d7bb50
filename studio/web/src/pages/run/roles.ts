// A run's roles as a graph the layout understands, and each role's state from its pods.

import type { Graph } from "../../lib/graph";

/** The phase a role shows: Failed if any pod failed, else the least advanced of its pods. */
export function rolePhase(phases: string[]): string {
  if (!phases.length) return "Pending";
  if (phases.includes("Failed")) return "Failed";
  for (const p of ["Pending", "Running"]) if (phases.includes(p)) return p;
  return phases.every((p) => p === "Succeeded") ? "Succeeded" : phases[0];
}

/** A role of the run's summary (the TrainingJob's status; RunOut types it as a plain object). */
export interface RoleSummary {
  name: string;
  phase?: string;
  dependsOn?: string[];
}

/** The roles of a summary that name themselves. */
export function roleSummaries(roles: { [key: string]: unknown }[]): RoleSummary[] {
  return roles.filter((r): r is { [key: string]: unknown } & RoleSummary => typeof r.name === "string");
}

export function roleGraph(
  roles: RoleSummary[],
  pods: { role: string; phase: string }[],
): { graph: Graph; phases: Record<string, string> } {
  const phases: Record<string, string> = {};
  for (const r of roles) {
    const own = pods.filter((p) => p.role === r.name).map((p) => p.phase);
    phases[r.name] = own.length ? rolePhase(own) : r.phase ?? "Pending";
  }
  const graph: Graph = {
    format: "troupe.graph/v1",
    name: "roles",
    inputs: [],
    nodes: roles.map((r) => ({ id: r.name, layer: r.name, params: {} })),
    edges: roles.flatMap((r) => (r.dependsOn ?? []).map((d) => ({ from: d, to: r.name }))),
    outputs: [],
  };
  return { graph, phases };
}
