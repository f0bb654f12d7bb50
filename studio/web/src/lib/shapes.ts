// The model validation's answer laid onto the graph: each node's output shape and the issues
// that name it (or one of its parameters), so the builder can show them on the node itself.

import type { Graph } from "./graph";
import { issueTarget } from "./graph";

export interface NodeReport {
  shape?: (number | null)[] | null;
  issues: { param?: string; message: string }[];
}

export interface ValidationLike {
  layers?: { id: string; outputShape?: unknown[] | null }[];
  issues?: { node?: string | null; param?: string | null; message: string; path?: string }[];
}

/** Reports by node id; issues that name no node are returned apart, for the panel. */
export function reportsByNode(g: Graph, v: ValidationLike): { nodes: Record<string, NodeReport>; general: string[] } {
  const nodes: Record<string, NodeReport> = {};
  const general: string[] = [];
  const at = (id: string) => (nodes[id] ??= { issues: [] });
  for (const l of v.layers ?? []) at(l.id).shape = (l.outputShape as (number | null)[] | null | undefined) ?? null;
  for (const i of v.issues ?? []) {
    const fromPath = i.path ? issueTarget(g, i.path) : {};
    // the service sends "" for no node / no parameter
    const node = i.node || fromPath.node;
    const param = i.param || fromPath.param;
    if (node && (g.nodes.some((n) => n.id === node) || g.inputs.some((x) => x.name === node))) {
      at(node).issues.push({ ...(param ? { param } : {}), message: i.message });
    } else general.push(i.message);
  }
  return { nodes, general };
}

/**
 * The upload refusal "file: nodes[3].params.out_features: node 'fc2': ...; inputs[1]: ..."
 * split onto the nodes it names: by the path in front of each message where there is one,
 * else by the node's id in the message. The path is dropped from the text shown.
 */
export function refusalByNode(g: Graph, message: string): { nodes: Record<string, NodeReport>; general: string[] } {
  const parts = message.replace(/^file:\s*/, "").split(/;\s+(?=(?:nodes|inputs|edges|outputs)\[|node |input |duplicate |cycle|name)/);
  const issues = parts.map((p) => {
    const m = /^((?:nodes|inputs|edges|outputs)\[\d+\][A-Za-z0-9_.[\]]*|name):\s*/.exec(p);
    const text = m ? p.slice(m[0].length) : p;
    if (m && !m[1].startsWith("edges") && !m[1].startsWith("outputs") && m[1] !== "name") {
      return { path: m[1], message: text };
    }
    const named = /node '([^']+)'/.exec(text) ?? /input '([^']+)'/.exec(text);
    const param = /parameter '([A-Za-z0-9_]+)'/.exec(text)?.[1];
    return { node: named?.[1] ?? null, param: param ?? null, message: text };
  });
  return reportsByNode(g, { issues });
}
