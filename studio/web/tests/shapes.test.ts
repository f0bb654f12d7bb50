import { describe, expect, it } from "vitest";
import type { Graph } from "../src/lib/graph";
import { reportsByNode } from "../src/lib/shapes";

describe("model validation on the graph", () => {
  it("puts shapes and issues on nodes; an empty node name is general", () => {
    const g = { name: "g", inputs: [{ name: "x", shape: [1, 4] }], nodes: [{ id: "fc", layer: "Linear", params: {}, inputs: ["x"] }], outputs: ["fc"] } as unknown as Graph;
    const r = reportsByNode(g, {
      layers: [{ id: "fc", outputShape: [1, 2] }],
      issues: [
        { node: "fc", param: "out_features", message: "too small" },
        { node: "", param: "", message: "torch failed" },
      ],
    });
    expect(r.nodes.fc.shape).toEqual([1, 2]);
    expect(r.nodes.fc.issues).toEqual([{ param: "out_features", message: "too small" }]);
    expect(r.general).toEqual(["torch failed"]);
  });
});
