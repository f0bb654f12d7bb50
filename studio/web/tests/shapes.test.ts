import { describe, expect, it } from "vitest";
import type { Graph } from "../src/lib/graph";
import { layoutInput } from "../src/lib/layout";
import { onnxView, reportsByNode } from "../src/lib/shapes";

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

describe("an ONNX model's graph", () => {
  // …/onnx-graph's answer for x [N, 4] -> MatMul -> Relu (an op of unknown output shape)
  const view = {
    format: "troupe.graph/v1",
    name: "tiny.onnx",
    view_only: true,
    inputs: [{ name: "x", shape: [null, 4], dtype: "float32" }],
    nodes: [
      { id: "fc", layer: "onnx:MatMul", op_type: "MatMul", domain: "", name: "fc", params: { initializers: { w: [4, 3] } }, output_shapes: [[null, 3]] },
      { id: "Custom_1", layer: "onnx:x.Custom", op_type: "Custom", domain: "x", name: "", params: { alpha: 0.5 }, output_shapes: [null] },
    ],
    edges: [{ from: "x", to: "fc" }, { from: "fc", to: "Custom_1", port: 0 }],
    outputs: ["Custom_1"],
  };

  it("is drawn as a view-only graph of its ops", () => {
    const { graph } = onnxView(view);
    expect(graph.view_only).toBe(true);
    expect(graph.nodes).toEqual([
      { id: "fc", layer: "onnx:MatMul", params: { initializers: { w: [4, 3] } } },
      { id: "Custom_1", layer: "onnx:x.Custom", params: { alpha: 0.5 } },
    ]);
    expect(graph.edges).toEqual([{ from: "x", to: "fc" }, { from: "fc", to: "Custom_1", port: 0 }]);
    expect(layoutInput(graph).boxes.map((b) => [b.id, b.label])).toEqual([["x", "x [N, 4]"], ["fc", "onnx:MatMul"], ["Custom_1", "onnx:x.Custom"]]);
  });

  it("shows each node's output shape where ONNX knows it", () => {
    expect(onnxView(view).reports).toEqual({ fc: { shape: [null, 3], issues: [] } });
  });
});
