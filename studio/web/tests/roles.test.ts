// The run page's role graph: each role's state from its pods, and its dependencies as edges.

import { describe, expect, it } from "vitest";
import { BOX, layout, layoutInput } from "../src/lib/layout";
import { type RoleOut, roleFlow, roleGraph, roleGraphKey, rolePhase } from "../src/pages/run/roles";
import { filterLines } from "../src/pages/run/LogViewer";

describe("role phase", () => {
  it("is Failed if one pod failed, else the least advanced pod's", () => {
    expect(rolePhase(["Running", "Failed", "Succeeded"])).toBe("Failed");
    expect(rolePhase(["Running", "Pending"])).toBe("Pending");
    expect(rolePhase(["Succeeded", "Running"])).toBe("Running");
    expect(rolePhase(["Succeeded", "Succeeded"])).toBe("Succeeded");
    expect(rolePhase([])).toBe("Pending");
  });
});

describe("role graph", () => {
  // RunOut.roles as the service sends them: the status's counts and what each role waits for
  const roles: RoleOut[] = [
    { name: "ps", phase: "Running", replicas: 1, ready: 1, dependsOn: [] },
    { name: "worker", phase: "Pending", replicas: 2, dependsOn: [{ role: "ps", condition: "Ready" }] },
    { name: "evaluator", phase: "Pending", dependsOn: [{ role: "worker", condition: "Running" }] },
  ];
  const pods = [
    { role: "worker", phase: "Running" },
    { role: "worker", phase: "Pending" },
  ];

  it("draws a role after the roles it depends on", () => {
    const { graph, phases } = roleGraph(roles, pods);
    expect(graph.edges).toEqual([
      { from: "ps", to: "worker" },
      { from: "worker", to: "evaluator" },
    ]);
    expect(phases).toEqual({ ps: "Running", worker: "Pending", evaluator: "Pending" });
    const y = Object.fromEntries(layout(graph).boxes.map((b) => [b.id, b.y]));
    expect(y.ps).toBeLessThan(y.worker);
    expect(y.worker).toBeLessThan(y.evaluator);
  });

  it("gives the layout one box per role and an arrow per dependency", () => {
    const { boxes, edges } = layoutInput(roleGraph(roles, pods).graph);
    expect(boxes.map((b) => [b.id, b.kind])).toEqual([["ps", "layer"], ["worker", "layer"], ["evaluator", "layer"]]);
    expect(edges.map((e) => [e.source, e.target])).toEqual([["ps", "worker"], ["worker", "evaluator"]]);
  });

  it("hands React Flow sized boxes with each role's state, and labelled arrows", () => {
    const { nodes, edges } = roleFlow(roles, pods);
    for (const n of nodes) expect([n.width, n.height]).toEqual([BOX.width, BOX.height]); // shown unmeasured
    expect(nodes.map((n) => [n.id, n.type, n.data.phase, n.data.counts])).toEqual([
      ["ps", "role", "Running", "1/1 ready"],
      ["worker", "role", "Pending", "0/2 ready"],
      ["evaluator", "role", "Pending", ""],
    ]);
    expect(edges.map((e) => [e.source, e.target, e.label])).toEqual([["ps", "worker", "Ready"], ["worker", "evaluator", "Running"]]);
  });

  it("is redrawn only when what it shows changes", () => {
    const again = roles.map((r) => ({ ...r }));
    expect(roleGraphKey(again, [...pods])).toBe(roleGraphKey(roles, pods));
    expect(roleGraphKey(roles, [{ role: "worker", phase: "Running" }])).not.toBe(roleGraphKey(roles, pods));
    expect(roleGraphKey([{ ...roles[0], ready: 0 }, ...roles.slice(1)], pods)).not.toBe(roleGraphKey(roles, pods));
  });
});

describe("log search", () => {
  it("keeps the matching lines, ignoring case", () => {
    expect(filterLines(["Epoch 1", "loss 0.3", "LOSS 0.2"], "loss")).toEqual(["loss 0.3", "LOSS 0.2"]);
    expect(filterLines(["a", "b"], "")).toEqual(["a", "b"]);
  });
});
