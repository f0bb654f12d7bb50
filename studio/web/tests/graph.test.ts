// Model graphs: what the layout is given from a troupe.graph/v1 document, where dagre puts it,
// and the builder's edits.

import { describe, expect, it } from "vitest";
import * as G from "../src/lib/graph";
import { BOX, layout, layoutInput } from "../src/lib/layout";
import { refusalByNode, reportsByNode } from "../src/lib/shapes";

// the example of docs/studio-model-format.md
const cnn = G.parseGraph({
  format: "troupe.graph/v1",
  name: "small cnn",
  inputs: [{ name: "x", shape: [null, 1, 28, 28] }],
  nodes: [
    { id: "conv1", layer: "Conv2d", params: { in_channels: 1, out_channels: 8, kernel_size: 3 } },
    { id: "relu1", layer: "ReLU", params: {} },
    { id: "flat", layer: "Flatten", params: {} },
    { id: "fc", layer: "Linear", params: { in_features: 5408, out_features: 10 } },
  ],
  edges: [
    { from: "x", to: "conv1" },
    { from: "conv1", to: "relu1" },
    { from: "relu1", to: "flat" },
    { from: "flat", to: "fc" },
  ],
  outputs: ["fc"],
});

describe("layout input", () => {
  it("has a box per input and node and an arrow per edge", () => {
    const { boxes, edges } = layoutInput(cnn);
    expect(boxes.map((b) => [b.id, b.kind, b.label])).toEqual([
      ["x", "input", "x [N, 1, 28, 28]"],
      ["conv1", "layer", "Conv2d"],
      ["relu1", "layer", "ReLU"],
      ["flat", "layer", "Flatten"],
      ["fc", "layer", "Linear"],
    ]);
    expect(edges.map((e) => `${e.source}->${e.target}`)).toEqual(["x->conv1", "conv1->relu1", "relu1->flat", "flat->fc"]);
  });

  it("drops an edge from an unknown id and labels ports", () => {
    const g = { ...cnn, edges: [...cnn.edges, { from: "ghost", to: "fc" }, { from: "x", to: "fc", port: 1 }] };
    const { edges } = layoutInput(g);
    expect(edges.some((e) => e.source === "ghost")).toBe(false);
    expect(edges.at(-1)).toMatchObject({ source: "x", target: "fc", label: "port 1" });
  });

  it("lays a chain out top to bottom without overlaps", () => {
    const { boxes } = layout(cnn);
    const ys = boxes.map((b) => b.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(BOX.height);
  });

  it("puts the branches of an Add side by side", () => {
    let g = G.emptyGraph();
    g = G.appendAfter(g, "Linear", {}, "x").graph; // linear1
    g = G.appendAfter(g, "Linear", {}, "x").graph; // linear2
    g = G.appendAfter(g, "Add", {}, "linear1").graph; // add1
    g = G.connect(g, "linear2", "add1");
    const at = Object.fromEntries(layout(g).boxes.map((b) => [b.id, b]));
    expect(at.linear1.y).toBe(at.linear2.y);
    expect(Math.abs(at.linear1.x - at.linear2.x)).toBeGreaterThanOrEqual(BOX.width);
    expect(at.add1.y).toBeGreaterThan(at.linear1.y);
  });
});

describe("builder edits", () => {
  it("appends a layer after the selected one and moves the output to it", () => {
    let g = G.emptyGraph();
    const a = G.appendAfter(g, "Linear", { in_features: 4, out_features: 8 }, null);
    expect(a.id).toBe("linear1");
    expect(a.graph.edges).toEqual([{ from: "x", to: "linear1" }]);
    expect(a.graph.outputs).toEqual(["linear1"]);
    g = G.appendAfter(a.graph, "ReLU", {}, null).graph;
    expect(g.edges.at(-1)).toEqual({ from: "linear1", to: "relu1" });
    expect(g.outputs).toEqual(["relu1"]);
  });

  it("refuses a duplicate edge, a self loop and an edge into an input", () => {
    expect(G.connect(cnn, "x", "conv1")).toBe(cnn);
    expect(G.connect(cnn, "fc", "fc")).toBe(cnn);
    expect(G.connect(cnn, "fc", "x")).toBe(cnn);
  });

  it("removes a node with its edges and its place among the outputs", () => {
    const g = G.removeNode(cnn, "fc");
    expect(g.edges.some((e) => e.to === "fc")).toBe(false);
    expect(g.outputs).toEqual([]);
  });

  it("sets and clears a parameter", () => {
    const g = G.setParam(cnn, "fc", "bias", false);
    expect(g.nodes[3].params).toEqual({ in_features: 5408, out_features: 10, bias: false });
    expect(G.setParam(g, "fc", "bias", undefined).nodes[3].params).not.toHaveProperty("bias");
  });

  it("refuses a document of another format", () => {
    expect(() => G.parseGraph({ format: "onnx" })).toThrow(/troupe.graph\/v1/);
  });
});

describe("validation laid onto nodes", () => {
  it("puts shapes and issues on the node and parameter they name", () => {
    const r = reportsByNode(cnn, {
      layers: [{ id: "conv1", outputShape: [2, 8, 26, 26] }],
      issues: [
        { node: null, param: null, message: "node 'fc' (Linear): in_features is 5408", path: "nodes[3].params.in_features" },
        { node: "nowhere", message: "something else" },
      ],
    });
    expect(r.nodes.conv1.shape).toEqual([2, 8, 26, 26]);
    expect(r.nodes.fc.issues).toEqual([{ param: "in_features", message: "node 'fc' (Linear): in_features is 5408" }]);
    expect(r.general).toEqual(["something else"]);
  });

  it("splits an upload refusal onto the nodes its messages name", () => {
    const r = refusalByNode(cnn, "file: node 'fc': Linear needs parameter 'out_features'; node 'relu1' does not lead to any output");
    expect(r.nodes.fc.issues[0]).toMatchObject({ param: "out_features" });
    expect(r.nodes.relu1.issues[0].message).toBe("node 'relu1' does not lead to any output");
  });
});

describe("refusals with paths", () => {
  it("places a message by the path in front of it and drops the path from the text", () => {
    const r = refusalByNode(cnn, "file: nodes[3].params.out_features: node 'fc': Linear needs parameter 'out_features'; inputs[0]: input 'x' is not used by any node");
    expect(r.nodes.fc.issues).toEqual([{ param: "out_features", message: "node 'fc': Linear needs parameter 'out_features'" }]);
    expect(r.nodes.x.issues).toEqual([{ message: "input 'x' is not used by any node" }]);
  });
});

describe("inputs", () => {
  it("renames an input together with the edges that read it", () => {
    const g = G.renameInput(cnn, "x", "image");
    expect(g.inputs[0].name).toBe("image");
    expect(g.edges[0]).toEqual({ from: "image", to: "conv1" });
    expect(layoutInput(g).edges).toHaveLength(4);
  });
});
