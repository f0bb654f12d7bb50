// The troupe.graph/v1 model document (docs/studio-model-format.md) and the edits the builder
// makes to it. Pure functions over plain data: every edit returns a new document.

export const GRAPH_FORMAT = "troupe.graph/v1";

export interface GraphInput {
  name: string;
  shape: (number | null)[];
  dtype?: "float32" | "int64";
}
export interface GraphNode {
  id: string;
  layer: string;
  params: Record<string, unknown>;
}
export interface GraphEdge {
  from: string;
  to: string;
  port?: number;
}
export interface Graph {
  format: typeof GRAPH_FORMAT;
  name: string;
  inputs: GraphInput[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  outputs: string[];
  view_only?: boolean;
}

export function emptyGraph(name = "model"): Graph {
  return {
    format: GRAPH_FORMAT,
    name,
    inputs: [{ name: "x", shape: [null, 4] }],
    nodes: [],
    edges: [],
    outputs: [],
  };
}

/** Reads a document the service stored; anything that is not troupe.graph/v1 is refused. */
export function parseGraph(value: unknown): Graph {
  if (!value || typeof value !== "object" || (value as Graph).format !== GRAPH_FORMAT) {
    throw new Error(`not a ${GRAPH_FORMAT} document`);
  }
  const g = value as Graph;
  return {
    ...g,
    inputs: g.inputs ?? [],
    nodes: (g.nodes ?? []).map((n) => ({ ...n, params: n.params ?? {} })),
    edges: g.edges ?? [],
    outputs: g.outputs ?? [],
  };
}

/** An id not yet taken by a node or an input: the layer's name in lower case and a number. */
export function freshId(g: Graph, layer: string): string {
  const taken = new Set([...g.nodes.map((n) => n.id), ...g.inputs.map((i) => i.name)]);
  const stem = layer.replace(/[^A-Za-z0-9_]/g, "").toLowerCase() || "node";
  for (let i = 1; ; i++) if (!taken.has(`${stem}${i}`)) return `${stem}${i}`;
}

/** Adds a node; it becomes the output when the graph had none, so a first layer is usable. */
export function addNode(g: Graph, layer: string, params: Record<string, unknown> = {}): Graph {
  const id = freshId(g, layer);
  return {
    ...g,
    nodes: [...g.nodes, { id, layer, params }],
    outputs: g.outputs.length ? g.outputs : [id],
  };
}

export function removeNode(g: Graph, id: string): Graph {
  return {
    ...g,
    nodes: g.nodes.filter((n) => n.id !== id),
    edges: g.edges.filter((e) => e.from !== id && e.to !== id),
    outputs: g.outputs.filter((o) => o !== id),
  };
}

/** Connects source to target; a second identical edge or an edge into an input is refused. */
export function connect(g: Graph, from: string, to: string): Graph {
  if (from === to || !g.nodes.some((n) => n.id === to)) return g;
  if (g.edges.some((e) => e.from === from && e.to === to)) return g;
  return { ...g, edges: [...g.edges, { from, to }] };
}

export function disconnect(g: Graph, from: string, to: string): Graph {
  return { ...g, edges: g.edges.filter((e) => !(e.from === from && e.to === to)) };
}

export function setParam(g: Graph, id: string, name: string, value: unknown): Graph {
  return {
    ...g,
    nodes: g.nodes.map((n) => {
      if (n.id !== id) return n;
      const params = { ...n.params };
      if (value === undefined) delete params[name];
      else params[name] = value;
      return { ...n, params };
    }),
  };
}

export function toggleOutput(g: Graph, id: string): Graph {
  const outputs = g.outputs.includes(id) ? g.outputs.filter((o) => o !== id) : [...g.outputs, id];
  return { ...g, outputs };
}

/** The node (and parameter) a service issue path such as `nodes[2].params.in_features` names. */
export function issueTarget(g: Graph, path: string): { node?: string; param?: string } {
  const m = /^nodes\[(\d+)\](?:\.params\.([A-Za-z0-9_]+))?/.exec(path);
  if (m) return { node: g.nodes[Number(m[1])]?.id, param: m[2] };
  const input = /^inputs\[(\d+)\]/.exec(path);
  if (input) return { node: g.inputs[Number(input[1])]?.name };
  return {};
}

/**
 * Adds a layer fed by `after` (the selected box; else the last node; else the first input).
 * Where `after` was the only output, the new node takes its place: building a chain one layer
 * at a time keeps a graph whose output is its end.
 */
export function appendAfter(g: Graph, layer: string, params: Record<string, unknown>, after: string | null): { graph: Graph; id: string } {
  const src = after ?? g.nodes[g.nodes.length - 1]?.id ?? g.inputs[0]?.name ?? null;
  let next = addNode(g, layer, params);
  const id = next.nodes[next.nodes.length - 1].id;
  if (src) next = connect(next, src, id);
  if (g.outputs.length === 1 && g.outputs[0] === src) next = { ...next, outputs: [id] };
  return { graph: next, id };
}

/** Renames an input and the edges that read it, so a rename does not disconnect the model. */
export function renameInput(g: Graph, from: string, to: string): Graph {
  return {
    ...g,
    inputs: g.inputs.map((i) => (i.name === from ? { ...i, name: to } : i)),
    edges: g.edges.map((e) => (e.from === from ? { ...e, from: to } : e)),
  };
}
