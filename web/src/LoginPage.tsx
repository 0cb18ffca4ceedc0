import { useState } from "react";
import { api, messageOf, type AuthSession } from "./api";
import { Field } from "./Field";

/** Shown instead of the app when it is reached from another machine (or VISTTER_REQUIRE_LOGIN is on). */
export function LoginPage({ onLoggedIn, ended }: { onLoggedIn: (session: AuthSession) => void; ended: boolean }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);

  const submit = async () => {
    if (!username || !password) return setError("Enter the admin user name and password.");
    setWorking(true);
    try {
      onLoggedIn(await api.login(username, password));
    } catch (e) {
      setError(messageOf(e));
      setPassword("");
    } finally {
      setWorking(false);
    }
  };

  return (
    <main className="login">
      <form className="panel" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="Log in">
        <h1>VistterStream</h1>
        {ended && !error && <p className="notice" role="status">Your session ended. Log in again to continue.</p>}
        <Field label="User name">
          <input autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Password">
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" className="primary" disabled={working}>{working ? "Logging in…" : "Log in"}</button>
        <p className="muted">Forgot the password? On the appliance run <code>vistterstream create-admin --replace</code>.</p>
      </form>
    </main>
  );
}
