// The run's roles as a dependency graph (a role that depends on another starts after it), each
// box coloured by its state; the same dagre layout as model graphs.

import { ReactFlow, type Edge, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { layout } from "../../lib/layout";
import { type RoleSummary, roleGraph } from "./roles";

export function RoleGraph({ roles, pods }: { roles: RoleSummary[]; pods: { role: string; phase: string }[] }) {
  const { nodes, edges } = useMemo(() => {
    const { graph, phases } = roleGraph(roles, pods);
    const l = layout(graph);
    const nodes: Node[] = l.boxes.map((b) => ({
      id: b.id,
      position: { x: b.x, y: b.y },
      data: { label: `${b.id}: ${phases[b.id] ?? "Pending"}` },
      className: `role-box phase-${(phases[b.id] ?? "Pending").toLowerCase()}`,
      draggable: false,
    }));
    return { nodes, edges: l.edges as Edge[] };
  }, [roles, pods]);
  return (
    <div className="canvas small" aria-label="Role graph">
      <ReactFlow nodes={nodes} edges={edges} fitView fitViewOptions={{ maxZoom: 1 }} nodesConnectable={false} proOptions={{ hideAttribution: true }} />
    </div>
  );
}
