// The model validation's answer laid onto the graph: each node's output shape and the issues
// that name it (or one of its parameters), so the builder can show them on the node itself.

import type { Graph } from "./graph";
import { issueTarget } from "./graph";

export interface NodeReport {
  shape?: (number | null)[] | null;
  issues: { param?: string; message: string }[];
}

export interface ValidationLike {
  layers?: { id: string; outputShape?: (number | null)[] | null }[];
  issues?: { node?: string | null; param?: string | null; message: string; path?: string }[];
}

/** Reports by node id; issues that name no node are returned apart, for the panel. */
export function reportsByNode(g: Graph, v: ValidationLike): { nodes: Record<string, NodeReport>; general: string[] } {
  const nodes: Record<string, NodeReport> = {};
  const general: string[] = [];
  const at = (id: string) => (nodes[id] ??= { issues: [] });
  for (const l of v.layers ?? []) at(l.id).shape = l.outputShape ?? null;
  for (const i of v.issues ?? []) {
    const fromPath = i.path ? issueTarget(g, i.path) : {};
    const node = i.node ?? fromPath.node;
    const param = i.param ?? fromPath.param;
    if (node && (g.nodes.some((n) => n.id === node) || g.inputs.some((x) => x.name === node))) {
      at(node).issues.push({ ...(param ? { param } : {}), message: i.message });
    } else general.push(i.message);
  }
  return { nodes, general };
}

/** The upload refusal "file: node 'fc2': ...; node 'x': ..." split onto the nodes it names. */
export function refusalByNode(g: Graph, message: string): { nodes: Record<string, NodeReport>; general: string[] } {
  const parts = message.replace(/^file:\s*/, "").split(/;\s+(?=node |input |duplicate |cycle|'|[a-z])/);
  const issues = parts.map((p) => {
    const m = /node '([^']+)'/.exec(p) ?? /input '([^']+)'/.exec(p);
    const param = /parameter '([A-Za-z0-9_]+)'/.exec(p)?.[1];
    return { node: m?.[1] ?? null, param: param ?? null, message: p };
  });
  return reportsByNode(g, { issues });
}
