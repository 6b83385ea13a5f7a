// The Credentials view: every credential with its type, which secrets are stored and the flows
// that use it; add, edit, test (Test connection) and delete. Secret values are never shown.
import { ask } from "@tauri-apps/plugin-dialog";
import { useCallback, useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { CredentialInfo } from "../bindings/CredentialInfo";
import { CredentialForm } from "./CredentialForm";

type Props = { onClose: () => void };

export function CredentialsView({ onClose }: Props) {
  const [credentials, setCredentials] = useState<CredentialInfo[] | null>(null);
  const [editing, setEditing] = useState<CredentialInfo | "new" | null>(null);
  const [results, setResults] = useState<Record<string, { ok: boolean; text: string }>>({});
  const [problem, setProblem] = useState<string | null>(null);

  const refresh = useCallback(() => {
    api.listCredentials().then(setCredentials, (error) => setProblem(errorText(error)));
  }, []);
  useEffect(refresh, [refresh]);

  const test = async (name: string) => {
    setResults({ ...results, [name]: { ok: true, text: "Testing…" } });
    try {
      const text = await api.testCredential(name);
      setResults((current) => ({ ...current, [name]: { ok: true, text } }));
    } catch (error) {
      setResults((current) => ({ ...current, [name]: { ok: false, text: errorText(error) } }));
    }
  };

  return (
    <main className="home" data-testid="credentials-view">
      <header className="home-header">
        <h1>Credentials</h1>
        <button className="primary" data-testid="credential-add" onClick={() => setEditing("new")}>New credential</button>
        <button onClick={onClose} data-testid="credentials-close">Back to flows</button>
      </header>
      <p className="muted">Secrets are kept in the OS keychain. Flows, exports and Sluice's database hold only a credential's name.</p>
      {problem && <p className="field-problem">{problem}</p>}
      {credentials === null ? (
        <p className="muted">Loading…</p>
      ) : credentials.length === 0 ? (
        <p className="muted">No credentials yet.</p>
      ) : (
        <table data-testid="credentials">
          <thead><tr><th>Name</th><th>Type</th><th>Secrets</th><th>Used by</th><th /></tr></thead>
          <tbody>
            {credentials.map((credential) => (
              <tr key={credential.id} data-credential={credential.name}>
                <td>{credential.name}</td>
                <td>{credential.title}</td>
                <td data-testid="credential-secrets">
                  {credential.kind === "oauth2"
                    ? credential.secrets_set.includes("access_token")
                      ? `connected${credential.fields.expires_at ? `, token until ${new Date(String(credential.fields.expires_at)).toLocaleTimeString()}` : ""}`
                      : "not connected"
                    : credential.secrets_set.length
                      ? credential.secrets_set.join(", ") + " stored"
                      : <span className="muted">none</span>}
                </td>
                <td>{credential.used_by.length ? credential.used_by.join(", ") : <span className="muted">no flow</span>}</td>
                <td className="actions">
                  {results[credential.name] && (
                    <span className={results[credential.name].ok ? "status succeeded" : "status failed"} data-testid="credential-test-result">
                      {results[credential.name].text}
                    </span>
                  )}
                  {credential.kind === "oauth2" && (
                    <button
                      data-testid="credential-connect"
                      onClick={async () => {
                        setResults({ ...results, [credential.name]: { ok: true, text: "Finish signing in in your browser…" } });
                        try {
                          await api.connectOAuth2(credential.name);
                          setResults((current) => ({ ...current, [credential.name]: { ok: true, text: "Connected" } }));
                        } catch (error) {
                          setResults((current) => ({ ...current, [credential.name]: { ok: false, text: errorText(error) } }));
                        }
                        refresh();
                      }}
                    >
                      {credential.secrets_set.includes("access_token") ? "Reconnect" : "Connect"}
                    </button>
                  )}
                  {credential.kind === "oauth2" && credential.secrets_set.includes("access_token") && (
                    <button
                      data-testid="credential-disconnect"
                      onClick={async () => {
                        try {
                          await api.disconnectOAuth2(credential.name);
                          setResults((current) => ({ ...current, [credential.name]: { ok: true, text: "Disconnected" } }));
                        } catch (error) {
                          setResults((current) => ({ ...current, [credential.name]: { ok: false, text: errorText(error) } }));
                        }
                        refresh();
                      }}
                    >
                      Disconnect
                    </button>
                  )}
                  <button onClick={() => test(credential.name)} data-testid="credential-test">Test connection</button>
                  <button onClick={() => setEditing(credential)}>Edit</button>
                  <button
                    className="danger"
                    onClick={async () => {
                      const users = credential.used_by.length ? ` ${credential.used_by.join(", ")} will not run until it is added again.` : "";
                      if (!(await ask(`Delete “${credential.name}” and its secrets?${users}`, { title: "Delete credential", kind: "warning" }))) return;
                      try {
                        await api.removeCredential(credential.name);
                      } catch (error) {
                        setProblem(errorText(error));
                      }
                      refresh();
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <CredentialForm
          editing={editing === "new" ? undefined : editing}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            refresh();
          }}
        />
      )}
    </main>
  );
}
