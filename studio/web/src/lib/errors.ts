// The service's refusals, shaped for forms: a 422's `detail[].loc` names the field (its first
// element is where it was: path, query, body), so each message can sit next to its field.

export interface FieldErrors {
  /** Messages by field, keyed by the loc after its first element, joined with dots. */
  fields: Record<string, string>;
  /** What could not be put next to a field: other statuses, or a loc no form field has. */
  general: string | null;
}

export function fieldKey(loc: unknown[]): string {
  return loc.slice(1).map(String).join(".");
}

/** Splits a response's detail into per-field messages and one general message. */
export function fieldErrors(status: number, detail: unknown, known: string[] = []): FieldErrors {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  if (status === 422 && Array.isArray(detail)) {
    for (const d of detail) {
      const loc = Array.isArray(d?.loc) ? d.loc : [];
      const key = fieldKey(loc);
      const msg = typeof d?.msg === "string" ? d.msg : JSON.stringify(d);
      const target = known.length ? known.find((k) => key === k || key.startsWith(k + ".")) : key;
      if (target) fields[target] = fields[target] ? `${fields[target]}; ${msg}` : msg;
      else rest.push(key ? `${key}: ${msg}` : msg);
    }
  } else if (typeof detail === "string") {
    rest.push(detail);
  } else if (detail != null) {
    rest.push(JSON.stringify(detail));
  } else {
    rest.push(`the service answered ${status}`);
  }
  return { fields, general: rest.length ? rest.join("; ") : null };
}

/** An error thrown by the API helpers, carrying the status and the service's detail. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: unknown,
  ) {
    super(fieldErrors(status, detail).general ?? Object.values(fieldErrors(status, detail).fields).join("; "));
  }
}

/** `roles[0].cpu` (a validate issue's field) in the same form as a 422 loc: `roles.0.cpu`. */
export function normalizeField(field: string): string {
  return field.replace(/\[(\d+)\]/g, ".$1").replace(/^body\./, "").replace(/^\./, "");
}

/** Validate-route issues as messages by field, the way forms look them up. */
export function issuesByField(issues: { field: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const k = normalizeField(i.field);
    out[k] = out[k] ? `${out[k]}; ${i.message}` : i.message;
  }
  return out;
}
