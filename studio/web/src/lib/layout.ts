// Where each box of a model graph goes: the graph's inputs and nodes become boxes and its
// edges arrows, laid out top to bottom by dagre. Pure: the page hands the result to React Flow.

import dagre from "@dagrejs/dagre";
import type { Graph } from "./graph";

export const BOX = { width: 200, height: 64 };

export interface LayoutBox {
  id: string;
  kind: "input" | "layer";
  label: string;
  x: number;
  y: number;
}
export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
}

/** Boxes and arrows of a graph; an edge from an unknown id is dropped (the checks name it). */
export function layoutInput(g: Graph): { boxes: Omit<LayoutBox, "x" | "y">[]; edges: LayoutEdge[] } {
  const boxes: Omit<LayoutBox, "x" | "y">[] = [
    ...g.inputs.map((i) => ({
      id: i.name,
      kind: "input" as const,
      label: `${i.name} [${i.shape.map((s) => (s == null || s === -1 ? "N" : s)).join(", ")}]`,
    })),
    ...g.nodes.map((n) => ({ id: n.id, kind: "layer" as const, label: n.layer })),
  ];
  const known = new Set(boxes.map((b) => b.id));
  const edges = g.edges
    .filter((e) => known.has(e.from) && known.has(e.to))
    .map((e, i) => ({
      id: `e${i}:${e.from}->${e.to}`,
      source: e.from,
      target: e.to,
      ...(e.port !== undefined ? { label: `port ${e.port}` } : {}),
    }));
  return { boxes, edges };
}

/** The positions dagre gives each box (top-left corners, as React Flow places nodes). */
export function layout(g: Graph): { boxes: LayoutBox[]; edges: LayoutEdge[] } {
  const { boxes, edges } = layoutInput(g);
  const d = new dagre.graphlib.Graph();
  d.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 50 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) d.setNode(b.id, { width: BOX.width, height: BOX.height });
  for (const e of edges) d.setEdge(e.source, e.target);
  dagre.layout(d);
  return {
    boxes: boxes.map((b) => {
      const p = d.node(b.id);
      return { ...b, x: p.x - BOX.width / 2, y: p.y - BOX.height / 2 };
    }),
    edges,
  };
}
