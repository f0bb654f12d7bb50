// The wizard's draft of a task (flat: one picker per reference) and the service's shapes:
// `TaskIn` nests the references under `references`, and a stored task (`TaskOut`) keeps its
// fields, with the references pinned to versions, in `spec`.

import type { Ref, TaskIn, TaskOut, TaskRole } from "../api/contract";

export type Framework = TaskIn["framework"];
export const FRAMEWORKS: Framework[] = ["pytorch", "tensorflow", "mpi", "xgboost", "paddle", "jax", "generic"];

export interface Draft {
  name: string;
  description: string;
  framework: Framework;
  roles: TaskRole[];
  image: string | null;
  command: string[];
  working_dir: string | null;
  hyperparameters: Record<string, string | number | boolean>;
  dataset: Ref;
  algorithm: Ref;
  model: Ref | null;
}

/** The body of a create or replace. */
export function toTaskIn(d: Draft): TaskIn {
  return {
    name: d.name,
    description: d.description,
    framework: d.framework,
    roles: d.roles,
    image: d.image,
    command: d.command,
    working_dir: d.working_dir,
    hyperparameters: d.hyperparameters,
    references: { dataset: d.dataset, algorithm: d.algorithm, model: d.model },
  };
}

/** A stored task as a draft to edit or clone. */
export function fromTask(t: TaskOut): Draft {
  const s = t.spec as Partial<TaskIn>;
  const refs = (s.references ?? {}) as Partial<TaskIn["references"]>;
  return {
    name: t.name,
    description: t.description ?? "",
    framework: s.framework ?? "generic",
    roles: s.roles ?? [],
    image: s.image ?? null,
    command: s.command ?? [],
    working_dir: s.working_dir ?? null,
    hyperparameters: s.hyperparameters ?? {},
    dataset: refs.dataset ?? { name: "", version: null },
    algorithm: refs.algorithm ?? { name: "", version: null },
    model: refs.model ?? null,
  };
}

/** A refused field's name as the wizard shows it: `references.dataset` is the dataset picker. */
export function wizardField(field: string): string {
  return field.startsWith("references.") ? field.slice("references.".length) : field;
}
