// The run page's role graph: each role's state from its pods, and its dependencies as edges.

import { describe, expect, it } from "vitest";
import { layout } from "../src/lib/layout";
import { roleGraph, rolePhase } from "../src/pages/run/roles";
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
  const roles = [
    { name: "ps", phase: "Running" },
    { name: "worker", dependsOn: ["ps"] },
    { name: "evaluator", dependsOn: ["worker"] },
  ];
  it("draws a role after the roles it depends on", () => {
    const { graph, phases } = roleGraph(roles, [
      { role: "worker", phase: "Running" },
      { role: "worker", phase: "Pending" },
    ]);
    expect(graph.edges).toEqual([
      { from: "ps", to: "worker" },
      { from: "worker", to: "evaluator" },
    ]);
    expect(phases).toEqual({ ps: "Running", worker: "Pending", evaluator: "Pending" });
    const y = Object.fromEntries(layout(graph).boxes.map((b) => [b.id, b.y]));
    expect(y.ps).toBeLessThan(y.worker);
    expect(y.worker).toBeLessThan(y.evaluator);
  });
});

describe("log search", () => {
  it("keeps the matching lines, ignoring case", () => {
    expect(filterLines(["Epoch 1", "loss 0.3", "LOSS 0.2"], "loss")).toEqual(["loss 0.3", "LOSS 0.2"]);
    expect(filterLines(["a", "b"], "")).toEqual(["a", "b"]);
  });
});
