// The service's refusals mapped onto form fields, and form text read back as typed values.

import { describe, expect, it } from "vitest";
import { fieldErrors, issuesByField, normalizeField } from "../src/lib/errors";
import { BUILTIN, catalog, parseParam, userLayer } from "../src/lib/library";
import { parseShape } from "../src/pages/builder/InputsEditor";
import { typed } from "../src/pages/tasks/TaskWizard";

describe("field errors", () => {
  it("puts a 422's messages on the field its loc names", () => {
    const fe = fieldErrors(422, [
      { loc: ["query", "filename"], msg: "filename: bad", type: "value_error" },
      { loc: ["body", "roles", 0, "cpu"], msg: "String should match pattern", type: "string_pattern_mismatch" },
    ]);
    expect(fe.fields).toEqual({ filename: "filename: bad", "roles.0.cpu": "String should match pattern" });
    expect(fe.general).toBeNull();
  });
  it("keeps a loc that no form field has as a general message", () => {
    const fe = fieldErrors(422, [{ loc: ["query", "zzz"], msg: "odd" }], ["name", "file"]);
    expect(fe).toEqual({ fields: {}, general: "zzz: odd" });
  });
  it("maps a nested loc to the known field above it", () => {
    expect(fieldErrors(422, [{ loc: ["body", "dataset", "version"], msg: "no such version" }], ["dataset"]).fields).toEqual({ dataset: "no such version" });
  });
  it("gives other statuses' detail as the general message", () => {
    expect(fieldErrors(409, "in use by task:3")).toEqual({ fields: {}, general: "in use by task:3" });
    expect(fieldErrors(503, null).general).toBe("the service answered 503");
  });
  it("reads validate issues in the same form", () => {
    expect(normalizeField("roles[1].memory")).toBe("roles.1.memory");
    expect(issuesByField([{ field: "roles[0].cpu", message: "a" }, { field: "roles.0.cpu", message: "b" }])).toEqual({ "roles.0.cpu": "a; b" });
  });
});

describe("parameter forms", () => {
  const linear = BUILTIN.find((l) => l.name === "Linear")!;
  it("knows the built-in layers of domain.layers", () => {
    expect(BUILTIN.map((l) => l.name)).toContain("Conv2d");
    expect(linear.params.required).toEqual(["in_features", "out_features"]);
  });
  it("reads form text as the schema's type", () => {
    expect(parseParam({ type: "integer" }, "16")).toEqual({ value: 16 });
    expect(parseParam({ type: "integer" }, "1.5")).toEqual({ error: "a whole number" });
    expect(parseParam({ type: "number" }, "0.25")).toEqual({ value: 0.25 });
    expect(parseParam({ type: "array" }, "4, -1")).toEqual({ value: [4, -1] });
    expect(parseParam({ type: "integer" }, "  ")).toEqual({});
  });
  it("adds a user layer but never over a built-in", () => {
    const scale = userLayer({ layer_name: "Scale", parameters: { properties: { factor: { type: "number", default: 1 } }, required: [] }, inputs: { min: 1, max: 1 } })!;
    const fake = { ...scale, name: "Linear" };
    const c = catalog([scale, fake]);
    expect(c.get("Scale")?.source).toBe("user");
    expect(c.get("Linear")?.source).toBe("torch");
  });
  it("reads input shapes with N for the batch", () => {
    expect(parseShape("N, 1, 28, 28")).toEqual([null, 1, 28, 28]);
    expect(parseShape("2, 4")).toEqual([2, 4]);
    expect(parseShape("4, N")).toBeNull();
    expect(parseShape("4,")).toBeNull();
  });
  it("reads hyper-parameters as numbers and booleans where they look like them", () => {
    expect([typed("0.1"), typed("64"), typed("true"), typed("adam")]).toEqual([0.1, 64, true, "adam"]);
  });
});
