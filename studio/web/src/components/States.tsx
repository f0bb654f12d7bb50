// The three states every server-backed view has besides its data: loading, empty and failed.

import { ApiError } from "../lib/errors";

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="empty">{children}</div>;
}

// `what` names what could not be loaded; `action`, when given, what could not be done instead.
export function Failure({ error, what, action }: { error: unknown; what?: string; action?: string }) {
  const status = error instanceof ApiError ? ` (${error.status})` : "";
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      Could not {action ?? `load ${what}`}
      {status}: {message}
    </div>
  );
}
