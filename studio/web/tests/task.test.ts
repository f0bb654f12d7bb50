import { describe, expect, it } from "vitest";
import type { TaskOut } from "../src/api/contract";
import { type Draft, fromTask, toTaskIn, wizardField } from "../src/lib/task";

const draft: Draft = {
  name: "mnist",
  description: "digits",
  framework: "pytorch",
  roles: [{ name: "worker", replicas: 2, cpu: "1", memory: "2Gi", gpu: 0 }],
  image: null,
  command: ["python", "main.py"],
  working_dir: null,
  hyperparameters: { lr: 0.1 },
  dataset: { name: "digits", version: 2 },
  algorithm: { name: "train", version: null },
  model: null,
};

describe("task shapes", () => {
  it("nests the references the way TaskIn has them", () => {
    const body = toTaskIn(draft);
    expect(body.references).toEqual({ dataset: { name: "digits", version: 2 }, algorithm: { name: "train", version: null }, model: null });
    expect(body).not.toHaveProperty("dataset");
    expect(body.roles[0].replicas).toBe(2);
  });

  it("reads a stored task's spec back into a draft (pinned versions included)", () => {
    const stored: TaskOut = {
      name: "mnist",
      description: "digits",
      runs: 3,
      created_at: "2026-12-04T00:00:00Z",
      updated_at: "2026-12-04T00:00:00Z",
      spec: { ...toTaskIn(draft), references: { dataset: { name: "digits", version: 2 }, algorithm: { name: "train", version: 5 } } },
    };
    const d = fromTask(stored);
    expect(d.algorithm).toEqual({ name: "train", version: 5 });
    expect(d.model).toBeNull();
    expect(d.hyperparameters).toEqual({ lr: 0.1 });
    expect(toTaskIn(d).references.dataset).toEqual({ name: "digits", version: 2 });
  });

  it("tolerates a spec with fields missing", () => {
    const d = fromTask({ name: "x", description: "", runs: 0, created_at: "", updated_at: "", spec: {} });
    expect(d.framework).toBe("generic");
    expect(d.roles).toEqual([]);
    expect(d.dataset.name).toBe("");
  });

  it("shows a reference's refusal at its picker", () => {
    expect(wizardField("references.dataset")).toBe("dataset");
    expect(wizardField("roles.0.cpu")).toBe("roles.0.cpu");
  });
});
