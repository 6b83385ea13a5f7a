// The form for adding or editing a credential, built from its type's JSON Schema. Secret fields
// are password inputs that are never filled back in: leaving one empty keeps the stored secret.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { CredentialInfo } from "../bindings/CredentialInfo";
import type { CredentialTypeInfo } from "../bindings/CredentialTypeInfo";

type Property = { title?: string; description?: string; enum?: string[]; default?: unknown; writeOnly?: boolean; "x-sluice-managed"?: boolean };

type Props = {
  /** The credential being edited; absent to add one. */
  editing?: CredentialInfo;
  /** Only these types may be chosen (a node's form asks for what the node can use). */
  kinds?: string[];
  onSaved: (saved: CredentialInfo) => void;
  onCancel: () => void;
};

export function CredentialForm({ editing, kinds, onSaved, onCancel }: Props) {
  const [types, setTypes] = useState<CredentialTypeInfo[]>([]);
  const [kind, setKind] = useState(editing?.kind ?? kinds?.[0] ?? "");
  const [name, setName] = useState(editing?.name ?? "");
  const [fields, setFields] = useState<Record<string, string>>(
    Object.fromEntries(Object.entries(editing?.fields ?? {}).map(([key, value]) => [key, String(value)])),
  );
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api.credentialTypes().then((all) => {
      const allowed = kinds?.length ? all.filter((type) => kinds.includes(type.kind)) : all;
      setTypes(allowed);
      if (!kind && allowed[0]) setKind(allowed[0].kind);
    }, (error) => setProblem(errorText(error)));
  }, []);

  const type = types.find((candidate) => candidate.kind === kind);
  const properties = (type?.schema.properties ?? {}) as Record<string, Property>;
  const required = (type?.schema.required ?? []) as string[];

  const save = async () => {
    setSaving(true);
    setProblem(null);
    try {
      const nonEmpty = Object.fromEntries(Object.entries(secrets).filter(([, value]) => value !== ""));
      const managed = Object.entries(properties).filter(([, property]) => property["x-sluice-managed"]).map(([field]) => field);
      const entered = Object.fromEntries(Object.entries(fields).filter(([field]) => !managed.includes(field)));
      const saved = await api.saveCredential({ name, kind, fields: entered, secrets: nonEmpty }, editing?.name ?? null);
      setSecrets({});
      onSaved(saved);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="overlay">
      <form
        className="dialog"
        role="dialog"
        aria-label="Credential"
        data-testid="credential-form"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <h2>{editing ? `Edit “${editing.name}”` : "New credential"}</h2>
        <label className="field">
          <span>Name</span>
          <input data-testid="credential-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. GitHub (work)" />
          <span className="help">Flows refer to the credential by this name; exported flows carry only the name.</span>
        </label>
        <label className="field">
          <span>Type</span>
          <select data-testid="credential-kind" value={kind} disabled={!!editing} onChange={(event) => setKind(event.target.value)}>
            {types.map((candidate) => <option key={candidate.kind} value={candidate.kind}>{candidate.title}</option>)}
          </select>
          {type && <span className="help">{type.description}</span>}
        </label>
        {Object.entries(properties).filter(([, property]) => !property["x-sluice-managed"]).map(([field, property]) => {
          const secret = type?.secret_fields.includes(field);
          const stored = editing?.secrets_set.includes(field);
          const label = `${property.title ?? field}${required.includes(field) ? "" : " (optional)"}`;
          return (
            <label className="field" key={`${kind}.${field}`}>
              <span>{label}</span>
              {secret ? (
                <input
                  type="password"
                  autoComplete="off"
                  data-testid={`credential-secret-${field}`}
                  value={secrets[field] ?? ""}
                  placeholder={stored ? "•••••• stored — type to replace" : ""}
                  onChange={(event) => setSecrets({ ...secrets, [field]: event.target.value })}
                />
              ) : property.enum ? (
                <select value={fields[field] ?? String(property.default ?? property.enum[0])} onChange={(event) => setFields({ ...fields, [field]: event.target.value })}>
                  {property.enum.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
                </select>
              ) : (
                <input
                  data-testid={`credential-field-${field}`}
                  value={fields[field] ?? ""}
                  placeholder={property.default !== undefined ? String(property.default) : ""}
                  onChange={(event) => setFields({ ...fields, [field]: event.target.value })}
                />
              )}
              {property.description && <span className="help">{property.description}</span>}
              {secret && <span className="help">Kept in the OS keychain, never in flows or Sluice's database.</span>}
            </label>
          );
        })}
        {problem && <p className="field-problem" data-testid="credential-problem">{problem}</p>}
        <div className="dialog-buttons">
          <button type="submit" className="primary" data-testid="credential-save" disabled={saving}>Save</button>
          <button type="button" onClick={onCancel}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
