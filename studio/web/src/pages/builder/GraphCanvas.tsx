// The model drawn as boxes and arrows (React Flow, laid out by dagre): each layer box shows its
// type, id, output shape and issues; dragging from a box's bottom handle to another connects.

import { Background, Controls, Handle, Position, ReactFlow, type Connection, type Edge, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import type { Graph } from "../../lib/graph";
import { layout } from "../../lib/layout";
import type { NodeReport } from "../../lib/shapes";

type BoxData = { label: string; id: string; kind: "input" | "layer"; params: string; report?: NodeReport; output: boolean; selected: boolean };

/** A node's parameters in one short line, as the box shows them. */
export function paramSummary(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k]) => k !== "initializers")
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : typeof v === "object" && v !== null ? "…" : String(v)}`)
    .join(" ");
}

function Box({ data }: NodeProps<Node<BoxData>>) {
  const r = data.report;
  const bad = !!r?.issues.length;
  return (
    <div className={`box ${data.kind}${bad ? " bad" : ""}${data.selected ? " selected" : ""}`} data-node={data.id}>
      {data.kind === "layer" && <Handle type="target" position={Position.Top} />}
      <div className="box-title">
        <strong>{data.kind === "layer" ? data.label : "input"}</strong> <span className="muted">{data.kind === "layer" ? data.id : data.label}</span>
        {data.output && <span className="tag">output</span>}
      </div>
      {data.params && <div className="box-params" title={data.params}>{data.params}</div>}
      {r?.shape && <div className="shape" data-shape={data.id}>→ [{r.shape.map((s) => (s == null ? "N" : s)).join(", ")}]</div>}
      {bad && <div className="box-issue" title={r!.issues.map((i) => i.message).join("\n")}>{r!.issues[0].message}</div>}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const TYPES = { box: Box };

interface Props {
  graph: Graph;
  reports: Record<string, NodeReport>;
  selected: string | null;
  onSelect: (id: string | null) => void;
  onConnect?: (from: string, to: string) => void;
}

export function GraphCanvas({ graph, reports, selected, onSelect, onConnect }: Props) {
  const { nodes, edges } = useMemo(() => {
    const l = layout(graph);
    const params = new Map(graph.nodes.map((n) => [n.id, paramSummary(n.params)]));
    const nodes: Node<BoxData>[] = l.boxes.map((b) => ({
      id: b.id,
      type: "box",
      position: { x: b.x, y: b.y },
      data: { label: b.label, id: b.id, kind: b.kind, params: params.get(b.id) ?? "", report: reports[b.id], output: graph.outputs.includes(b.id), selected: b.id === selected },
      ariaLabel: `${b.kind === "layer" ? b.label : "input"} ${b.id}`,
    }));
    const edges: Edge[] = l.edges.map((e) => ({ ...e, type: "smoothstep" }));
    return { nodes, edges };
  }, [graph, reports, selected]);
  return (
    <div className="canvas" aria-label="Model graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={TYPES}
        key={nodes.length}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.15 }}
        nodesDraggable={false}
        nodesConnectable={!!onConnect}
        onConnect={(c: Connection) => c.source && c.target && onConnect?.(c.source, c.target)}
        onNodeClick={(_e, n) => onSelect(n.id)}
        onPaneClick={() => onSelect(null)}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
