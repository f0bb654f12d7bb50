// A run's roles as a graph the layout understands, and each role's state from its pods.

import type { Edge, Node } from "@xyflow/react";
import type { Schemas } from "../../api/contract";
import type { Graph } from "../../lib/graph";
import { BOX, layout } from "../../lib/layout";

export type RoleOut = Schemas["RoleOut"];

/** The phase a role shows: Failed if any pod failed, else the least advanced of its pods. */
export function rolePhase(phases: string[]): string {
  if (!phases.length) return "Pending";
  if (phases.includes("Failed")) return "Failed";
  for (const p of ["Pending", "Running"]) if (phases.includes(p)) return p;
  return phases.every((p) => p === "Succeeded") ? "Succeeded" : phases[0];
}

/**
 * The roles as a graph (an edge from each role to the roles that wait for it, labelled with
 * what they wait for) and the phase each shows: its pods' when it has some, else the status's.
 */
export function roleGraph(
  roles: RoleOut[],
  pods: { role: string; phase: string }[],
): { graph: Graph; phases: Record<string, string>; conditions: Record<string, string> } {
  const phases: Record<string, string> = {};
  const conditions: Record<string, string> = {};
  for (const r of roles) {
    const own = pods.filter((p) => p.role === r.name).map((p) => p.phase);
    phases[r.name] = own.length ? rolePhase(own) : r.phase || "Pending";
  }
  const graph: Graph = {
    format: "troupe.graph/v1",
    name: "roles",
    inputs: [],
    nodes: roles.map((r) => ({ id: r.name, layer: r.name, params: {} })),
    edges: roles.flatMap((r) =>
      r.dependsOn.map((d) => {
        conditions[`${d.role}->${r.name}`] = d.condition;
        return { from: d.role, to: r.name };
      }),
    ),
    outputs: [],
  };
  return { graph, phases, conditions };
}

export type RoleData = { name: string; phase: string; counts: string };

/** "1/2 ready" from a role's status counts ("" before the operator reported the role). */
export function roleCounts(r: RoleOut): string {
  const { replicas, ready, succeeded } = r as { replicas?: number; ready?: number; succeeded?: number };
  if (typeof replicas !== "number") return "";
  if (succeeded) return `${succeeded}/${replicas} succeeded`;
  return `${ready ?? 0}/${replicas} ready`;
}

/**
 * The boxes and arrows React Flow draws, laid out by dagre. Each box states its size: React
 * Flow hides a node until it knows its size, and forgets a measured one with each new node.
 */
export function roleFlow(roles: RoleOut[], pods: { role: string; phase: string }[]): { nodes: Node<RoleData>[]; edges: Edge[] } {
  const { graph, phases, conditions } = roleGraph(roles, pods);
  const byName = new Map(roles.map((r) => [r.name, r]));
  const l = layout(graph);
  const nodes: Node<RoleData>[] = l.boxes.map((b) => ({
    id: b.id,
    type: "role",
    position: { x: b.x, y: b.y },
    width: BOX.width,
    height: BOX.height,
    data: { name: b.id, phase: phases[b.id], counts: roleCounts(byName.get(b.id)!) },
    ariaLabel: `role ${b.id}: ${phases[b.id]}`,
    draggable: false,
  }));
  const edges: Edge[] = l.edges.map((e) => ({ ...e, label: conditions[`${e.source}->${e.target}`], type: "smoothstep" }));
  return { nodes, edges };
}

/** What the graph draws, as a string: the graph is rebuilt only when this changes. */
export function roleGraphKey(roles: RoleOut[], pods: { role: string; phase: string }[]): string {
  const { phases, conditions } = roleGraph(roles, pods);
  return JSON.stringify([phases, conditions, roles.map((r) => [r.name, r.replicas ?? null, r.ready ?? null])]);
}
