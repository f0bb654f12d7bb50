// The run's roles as a dependency graph (a role that depends on another starts after it), each
// box coloured by its state; the same dagre layout as model graphs.

import { Handle, Position, ReactFlow, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { type RoleData, type RoleOut, roleFlow, roleGraphKey } from "./roles";

function RoleBox({ data }: NodeProps<Node<RoleData>>) {
  return (
    <div className={`role-box phase-${data.phase.toLowerCase()}`} data-role={data.name} data-role-phase={data.phase}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <strong>{data.name}</strong> <span className={`phase ${data.phase}`}>{data.phase}</span>
      {data.counts && <div className="muted">{data.counts}</div>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const TYPES = { role: RoleBox };

export function RoleGraph({ roles, pods }: { roles: RoleOut[]; pods: { role: string; phase: string }[] }) {
  // the page re-renders on every live message; new node objects would each be measured
  // again (hidden meanwhile), so the graph is rebuilt only when what it draws changes
  const key = roleGraphKey(roles, pods);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const { nodes, edges } = useMemo(() => roleFlow(roles, pods), [key]);
  return (
    <div className="canvas small" aria-label="Role graph" data-roles={nodes.length} data-edges={edges.length}>
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={TYPES} fitView fitViewOptions={{ maxZoom: 1 }} nodesDraggable={false} nodesConnectable={false} proOptions={{ hideAttribution: true }} />
    </div>
  );
}
