// Signing in with a Kubernetes token (a service account's or an OIDC id token): the service
// checks it with a TokenReview; nothing else is stored than the token, in this tab.

import { useState } from "react";
import { session } from "../../api/session";
import { Field } from "../../components/Field";

export function SignIn({ rejected }: { rejected: boolean }) {
  const [token, setToken] = useState("");
  return (
    <main className="signin">
      <h1>Troupe Studio</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) session.signIn(token);
        }}
      >
        <Field label="Kubernetes token" error={rejected ? "The service did not accept this token (401)." : undefined} hint="kubectl create token NAME -n NAMESPACE">
          {(p) => <textarea {...p} rows={4} value={token} onChange={(e) => setToken(e.target.value)} autoFocus />}
        </Field>
        <button type="submit" disabled={!token.trim()}>Sign in</button>
      </form>
    </main>
  );
}
