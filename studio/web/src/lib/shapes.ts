// The model validation's answer laid onto the graph: each node's output shape and the issues
// that name it (or one of its parameters), so the builder can show them on the node itself.

import type { Schemas } from "../api/contract";
import type { Graph } from "./graph";
import { GRAPH_FORMAT, issueTarget } from "./graph";

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

/**
 * An ONNX model's graph as the service reads it (…/onnx-graph) split for the canvas: the
 * view-only graph it draws, and each node's first output shape where ONNX knows it, shown on
 * the node as a validation's would be.
 */
export function onnxView(v: Schemas["OnnxGraphOut"]): { graph: Graph; reports: Record<string, NodeReport> } {
  const graph: Graph = {
    format: GRAPH_FORMAT,
    name: v.name,
    view_only: true,
    inputs: v.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.dtype === "int64" ? "int64" : "float32" })),
    nodes: v.nodes.map((n) => ({ id: n.id, layer: n.layer, params: n.params })),
    edges: v.edges.map((e) => ({ from: e.from, to: e.to, ...(e.port != null ? { port: e.port } : {}) })),
    outputs: v.outputs,
  };
  const reports: Record<string, NodeReport> = {};
  for (const n of v.nodes) if (n.output_shapes[0]) reports[n.id] = { shape: n.output_shapes[0], issues: [] };
  return { graph, reports };
}
