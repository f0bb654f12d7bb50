// A run's roles as a graph the layout understands, and each role's state from its pods.

import type { Graph } from "../../lib/graph";

/** The phase a role shows: Failed if any pod failed, else the least advanced of its pods. */
export function rolePhase(phases: string[]): string {
  if (!phases.length) return "Pending";
  if (phases.includes("Failed")) return "Failed";
  for (const p of ["Pending", "Running"]) if (phases.includes(p)) return p;
  return phases.every((p) => p === "Succeeded") ? "Succeeded" : phases[0];
}

export function roleGraph(
  roles: { name: string; phase?: string; dependsOn?: string[] }[],
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
