import { useState } from "preact/hooks";
import { signIn, type Session } from "../api";
import { messageOf } from "../hooks";

/** Sign-in with a clinic's API key, or the operator's admin token. The worker answers with an HttpOnly cookie: the page never keeps either. */
export function SignIn(props: { signedIn: (session: Session) => void; notice?: string }) {
  const [as, setAs] = useState<"tenant" | "operator">("tenant");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <main class="signin">
      <form
        class="panel"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            props.signedIn(await signIn(as === "tenant" ? { apiKey: secret } : { adminToken: secret }));
          } catch (e) {
            setError(messageOf(e));
          } finally {
            setSecret("");
            setBusy(false);
          }
        }}
      >
        <h1>Switchboard console</h1>
        {props.notice && <p class="muted">{props.notice}</p>}
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={as === "tenant"} class={as === "tenant" ? "tab on" : "tab"} onClick={() => setAs("tenant")}>
            Clinic
          </button>
          <button type="button" role="tab" aria-selected={as === "operator"} class={as === "operator" ? "tab on" : "tab"} onClick={() => setAs("operator")}>
            Operator
          </button>
        </div>
        <label>
          {as === "tenant" ? "API key" : "Admin token"}
          <input
            name={as === "tenant" ? "apiKey" : "adminToken"}
            type="password"
            autocomplete="off"
            required
            value={secret}
            onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
          />
        </label>
        <button class="primary" type="submit" disabled={busy || !secret}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <p class="muted small">The session lasts 12 hours, ends when you sign out, and ends at once if the key is revoked.</p>
      </form>
    </main>
  );
}
