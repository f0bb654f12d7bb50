// The layers a model may use: the built-in catalog (exported from domain.layers at build time)
// and the project's user layers (the latest version of each, as the service checks graphs).

import builtin from "../api/builtin-layers.json";

export interface ParamSchema {
  type?: "integer" | "number" | "boolean" | "string" | "array";
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  items?: ParamSchema;
  description?: string;
}
export interface LayerSpec {
  name: string;
  description: string;
  source: "torch" | "user";
  inputs: { min: number; max: number | null };
  params: { properties: Record<string, ParamSchema>; required: string[] };
}

export const BUILTIN: LayerSpec[] = builtin as unknown as LayerSpec[];

/** A user layer's spec from its version metadata (layer_name, parameters, inputs). */
export function userLayer(meta: Record<string, unknown>): LayerSpec | null {
  if (typeof meta.layer_name !== "string") return null;
  const params = (meta.parameters ?? {}) as Partial<LayerSpec["params"]>;
  const inputs = (meta.inputs ?? {}) as Partial<LayerSpec["inputs"]>;
  return {
    name: meta.layer_name,
    description: typeof meta.description === "string" ? meta.description : "",
    source: "user",
    inputs: { min: inputs.min ?? 1, max: inputs.max === undefined ? 1 : inputs.max },
    params: { properties: params.properties ?? {}, required: params.required ?? [] },
  };
}

/** Built-ins first; a user layer never shadows a built-in of the same name (the service refuses it). */
export function catalog(user: LayerSpec[]): Map<string, LayerSpec> {
  const out = new Map(BUILTIN.map((l) => [l.name, l]));
  for (const l of user) if (!out.has(l.name)) out.set(l.name, l);
  return out;
}

/** The params a new node starts with: every required one that has an obvious value left out. */
export function initialParams(spec: LayerSpec): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(spec.params.properties)
      .filter(([n, s]) => spec.params.required.includes(n) && s.default !== undefined)
      .map(([n, s]) => [n, s.default]),
  );
}

/** A form's text back to a parameter value of its schema's type; "" means: take the default. */
export function parseParam(schema: ParamSchema, text: string): { value?: unknown; error?: string } {
  const t = text.trim();
  if (t === "") return {};
  switch (schema.type) {
    case "integer": {
      if (!/^-?\d+$/.test(t)) return { error: "a whole number" };
      return { value: Number(t) };
    }
    case "number": {
      const v = Number(t);
      return Number.isFinite(v) ? { value: v } : { error: "a number" };
    }
    case "boolean":
      return t === "true" || t === "false" ? { value: t === "true" } : { error: "true or false" };
    case "array": {
      try {
        const v = JSON.parse(t.startsWith("[") ? t : `[${t}]`);
        return Array.isArray(v) ? { value: v } : { error: "a list such as 1, 2" };
      } catch {
        return { error: "a list such as 1, 2" };
      }
    }
    default:
      return { value: t };
  }
}

export function paramText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.join(", ");
  return String(v);
}
