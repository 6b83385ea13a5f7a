// The node panel: the selected node's form, rendered from its config JSON Schema, with the
// engine's problems inline next to the fields they concern. Expression fields get the expression
// editor with its live result; upstream field names can be dragged into the form.
import { open, save } from "@tauri-apps/plugin-dialog";
import { useEffect, useMemo, useState } from "react";
import { api } from "../api";
import type { CredentialInfo } from "../bindings/CredentialInfo";
import type { Flow } from "../bindings/Flow";
import { CredentialForm } from "../credentials/CredentialForm";
import { ExpressionEditor } from "../expression/ExpressionEditor";
import { ExpressionResult } from "../expression/ExpressionResult";
import { FieldChips } from "../expression/FieldChips";
import { carriesField, droppedField, withDroppedField, type DropTarget } from "../expression/fieldDrop";
import { fieldReference } from "../expression/fieldReference";
import { expressionSupport, noUpstream, tableFields, upstreamOf, upstreamTable, withFields, type ExpressionSupport } from "../expression/upstream";
import { useExpressionVocabulary } from "../expression/useExpressionVocabulary";
import type { OnError } from "../bindings/OnError";
import type { Problem } from "../bindings/Problem";
import { updateNode } from "../store/flowEdits";
import { useEditor } from "../store/flowStore";
import { fieldWords } from "../text/problemWords";
import { closestType } from "./nodeTypes";
import { problemsThatMatter } from "../store/runReadiness";
import { Markdown } from "../text/Markdown";
import { ColumnChoices, DatabaseInput, type DatabaseContext } from "./DatabaseInput";
import { CodeEditor } from "../code/CodeEditor";
import { fieldsOf, newRow, rowsOf, setField, withRow, type FieldSpec } from "./schemaForm";
import { useDatabaseTables } from "./useDatabaseTables";

export function NodePanel() {
  const flow = useEditor((state) => state.flow)!;
  const selected = useEditor((state) => state.selected);
  const components = useEditor((state) => state.components);
  const problems = useEditor((state) => state.problems);
  const previews = useEditor((state) => state.previews);
  const settingLabels = useEditor((state) => state.settingLabels);
  const advice = useEditor((state) => state.advice);
  const liveNodes = useEditor((state) => state.liveNodes);
  const node = selected.length === 1 ? flow.nodes.find((candidate) => candidate.id === selected[0]) : undefined;
  const info = components.find((candidate) => candidate.type === node?.type);
  const fields = useMemo(() => (info ? fieldsOf(info.config_schema as Record<string, unknown>) : []), [info]);

  // What expressions here can see: the upstream nodes' last previews, the flow's vars, the
  // engine's filters and functions.
  const words = useExpressionVocabulary();
  const nodeId = node?.id;
  const previewed = useMemo(
    () => (nodeId ? upstreamOf(flow, nodeId, previews) : noUpstream),
    // Only the edges and vars matter, not the edits to nodes' settings.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [nodeId, previews, flow.edges, flow.vars],
  );
  // Before a preview, the columns of the database table the node reads from.
  const table = useMemo(() => (nodeId ? upstreamTable(flow, nodeId) : null), [nodeId, flow]);
  const tableCatalog = useDatabaseTables(table && previewed.fields.length === 0 && table.columns.length === 0 ? table.credential : null);
  const upstream = useMemo(
    () => (table ? withFields(previewed, tableFields(table, tableCatalog.tables)) : previewed),
    [previewed, table, tableCatalog],
  );
  const expressions = useMemo(() => expressionSupport(upstream, words), [upstream, words]);
  // A form whose fields name tables or columns offers what the node's credential can read.
  const picks = fields.some((field) => (field.kind.type === "text" || field.kind.type === "list") && field.kind.widget && field.kind.widget !== "field" && field.kind.widget !== "code");
  const catalog = useDatabaseTables(picks ? node?.credential ?? null : null);

  if (!node) {
    const flowProblems = problemsThatMatter(problems, flow.schedule).filter((problem) => !problem.node);
    return (
      <aside className="node-panel" data-testid="node-panel">
        <p className="muted">{selected.length > 1 ? `${selected.length} nodes selected.` : "Select a node to edit it."}</p>
        {flowProblems.map((problem, index) => <div key={index} className="field-problem">{problem.field ? `${fieldWords(problem.field, settingLabels)}: ` : ""}<Markdown text={problem.message} /></div>)}
      </aside>
    );
  }

  const config = (node.config ?? {}) as Record<string, unknown>;
  const nodeProblems = problems.filter((problem) => problem.node === node.id);
  const problemFor = (name: string): Problem[] =>
    nodeProblems.filter((problem) => problem.field === name || problem.field?.startsWith(`${name}.`) || problem.field?.startsWith(`${name}[`));
  const adviceFor = (name: string): Problem[] => advice.filter((item) => item.node === node.id && item.field === name);
  const general = nodeProblems.filter((problem) => !problem.field || !fields.some((field) => problemFor(field.name).includes(problem)));
  const change = (field: FieldSpec, value: unknown) =>
    useEditor.getState().edit((current) => updateNode(current, node.id, { config: setField(config, field, value) as never }));
  const text = (name: string) => (typeof config[name] === "string" ? (config[name] as string) : "");
  const database: DatabaseContext | null = picks ? { catalog, table: text("table"), schema: text("schema") } : null;

  return (
    <aside className="node-panel" data-testid="node-panel">
      <h2>{info?.title ?? node.type}</h2>
      {info?.description && <div className="muted node-description"><Markdown text={info.description} /></div>}
      {!info && components.length > 0 && <UnknownType node={node} known={components.map((candidate) => candidate.type)} />}
      {info?.kind === "transform" && <FieldChips fields={upstream.fields} hasUpstream={flow.edges.some((edge) => edge.to === node.id)} />}
      <label className="field">
        <span>Node id</span>
        <input value={node.id} readOnly />
      </label>
      {info && info.credential_kinds.length > 0 && (
        <CredentialPicker
          kinds={info.credential_kinds}
          value={node.credential ?? null}
          onChange={(credential) => useEditor.getState().edit((current) => updateNode(current, node.id, { credential: credential ?? undefined } as never))}
        />
      )}
      {info?.takes_requests && <WebhookAddress flowId={flow.id} />}
      {info?.acts_outside && (
        <label className="field inline" title="Without it, a preview shows the requests this node would send and sends none that change anything">
          <input
            type="checkbox"
            data-testid="live-preview"
            checked={liveNodes.includes(node.id)}
            onChange={(event) => useEditor.getState().setLive(node.id, event.target.checked)}
          />
          <span>Send its requests in previews (live preview)</span>
        </label>
      )}
      {general.map((problem, index) => <div key={index} className="field-problem" data-testid="node-problem">{problem.field ? `${fieldWords(problem.field, settingLabels)}: ` : ""}<Markdown text={problem.message} /></div>)}
      {fields.map((field) => (
        <Field key={field.name} field={field} value={config[field.name]} problems={problemFor(field.name)} advice={adviceFor(field.name)} expressions={expressions} writes={info?.kind === "sink"} database={database} onChange={(value) => change(field, value)} />
      ))}
      {settingLabels && (
        <label className="field">
          <span>{settingLabels.on_error}</span>
          <select
            data-testid="on-error"
            value={node.on_error ?? "fail"}
            onChange={(event) => useEditor.getState().edit((current) => updateNode(current, node.id, { on_error: event.target.value as OnError }))}
          >
            {settingLabels.on_error_choices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
          </select>
        </label>
      )}
    </aside>
  );
}

/** A webhook node's private URL (made on first look; asked again as each save lands, since a
 *  node just dropped is not stored yet). */
function WebhookAddress({ flowId }: { flowId: string }) {
  const version = useEditor((state) => state.version);
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (url) return;
    api.webhookUrl(flowId).then(
      (found) => {
        setUrl(found);
        setProblem(null);
      },
      (error) => setProblem(String(error)),
    );
  }, [flowId, version, url]);
  return (
    <label className="field">
      <span>Webhook URL</span>
      {url ? <input readOnly value={url} data-testid="webhook-url" onFocus={(event) => event.target.select()} /> : <span className="muted">{problem ?? "…"}</span>}
      <span className="help">POST JSON here (from this computer) to run the flow while Sluice runs. Anyone with the URL can start the flow: share it like a password.</span>
    </label>
  );
}

/** The node's credential: one of the stored credentials it can use, or a new one made here. */
function CredentialPicker({ kinds, value, onChange }: { kinds: string[]; value: string | null; onChange: (name: string | null) => void }) {
  const [credentials, setCredentials] = useState<CredentialInfo[]>([]);
  const [creating, setCreating] = useState(false);
  const refresh = () => api.listCredentials().then(setCredentials, () => undefined);
  useEffect(() => {
    refresh();
  }, []);
  const usable = credentials.filter((credential) => kinds.includes(credential.kind));
  const missing = value !== null && !usable.some((credential) => credential.name === value);
  return (
    <label className={missing ? "field invalid" : "field"}>
      <span>Credential</span>
      <div className="with-button">
        <select data-testid="node-credential" value={value ?? ""} onChange={(event) => onChange(event.target.value || null)}>
          <option value="">None</option>
          {usable.map((credential) => <option key={credential.id} value={credential.name}>{credential.name} ({credential.title})</option>)}
          {missing && <option value={value!}>{value} (missing)</option>}
        </select>
        <button type="button" data-testid="node-credential-new" onClick={() => setCreating(true)}>New…</button>
      </div>
      {missing && <span className="field-problem">There is no credential “{value}” here: create it, or pick another.</span>}
      <span className="help">Secrets stay in the OS keychain; the flow keeps only the name.</span>
      {creating && (
        <CredentialForm
          kinds={kinds}
          onCancel={() => setCreating(false)}
          onSaved={(saved) => {
            setCreating(false);
            refresh();
            onChange(saved.name);
          }}
        />
      )}
    </label>
  );
}

type FieldProps = {
  field: FieldSpec;
  value: unknown;
  problems: Problem[];
  /** What the engine advises about this field (never in the way of a run). */
  advice: Problem[];
  /** What expression fields need: upstream samples, fields, vars and the vocabulary. */
  expressions: ExpressionSupport;
  /** For fields that name tables and columns: what the node's credential can read. */
  database?: DatabaseContext | null;
  /** The node writes its file (a save dialog) rather than reads it (an open dialog). */
  writes: boolean;
  onChange: (value: unknown) => void;
};

function Field({ field, value, problems, advice, expressions, writes, database, onChange }: FieldProps) {
  const shown = value ?? field.defaultValue;
  const kind = field.kind;
  let input;
  switch (kind.type) {
    case "boolean":
      input = <input type="checkbox" checked={Boolean(shown)} onChange={(event) => onChange(event.target.checked)} />;
      break;
    case "number":
      input = (
        <input type="number" data-testid={`field-${field.name}`} step={kind.integer ? 1 : "any"} value={shown === undefined || shown === null ? "" : String(shown)}
          onChange={(event) => onChange(event.target.value === "" ? undefined : Number(event.target.value))} />
      );
      break;
    case "select":
      input = (
        <select value={typeof shown === "string" ? shown : ""} onChange={(event) => onChange(event.target.value)}>
          {!field.required && shown === undefined && <option value="">(default)</option>}
          {kind.choices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
        </select>
      );
      break;
    case "list": {
      const items = Array.isArray(shown) ? (shown as string[]) : [];
      input = (
        <>
          <input
            data-testid={`field-${field.name}`}
            value={items.join(", ")}
            placeholder="comma-separated"
            onChange={(event) => onChange(event.target.value.split(",").map((item) => item.trim()).filter(Boolean))}
          />
          {kind.widget === "column" && database && <ColumnChoices value={items} database={database} onChange={onChange} />}
          {kind.widget === "field" && (
            <span className="field-choices" data-testid={`choices-${field.name}`}>
              {expressions.upstream.fields.filter((name) => !items.includes(name)).map((name) => (
                <button type="button" key={name} className="chip" onClick={() => onChange([...items, name])}>+ {name}</button>
              ))}
            </span>
          )}
        </>
      );
      break;
    }
    case "rows": {
      const rows = rowsOf(shown);
      input = (
        <div className="rows" data-testid={`rows-${field.name}`}>
          {rows.map((row, index) => (
            <div className="nested row" key={index} data-testid={`row-${field.name}-${index}`}>
              {kind.fields.map((inner) => (
                <Field key={inner.name} field={{ ...inner, name: `${field.name}-${index}-${inner.name}` }} value={row[inner.name]} problems={[]} advice={[]} expressions={expressions} writes={writes}
                  onChange={(next) => onChange(withRow(rows, index, setField(row, inner, next)))} />
              ))}
              <button type="button" onClick={() => onChange(withRow(rows, index, null))}>Remove</button>
            </div>
          ))}
          <button type="button" data-testid={`add-${field.name}`} onClick={() => onChange([...rows, newRow(kind.fields)])}>Add</button>
        </div>
      );
      break;
    }
    case "map":
      input = <MapEditor value={(shown ?? {}) as Record<string, string>} choices={kind.valueChoices} expressions={kind.expression ? expressions : null} onChange={onChange} name={field.name} />;
      break;
    case "variant": {
      const current = (shown ?? {}) as Record<string, unknown>;
      const chosen = kind.variants.find((variant) => variant.value === current[kind.tag]) ?? kind.variants[0];
      input = (
        <div className="nested" data-testid={`variant-${field.name}`}>
          <select
            data-testid={`field-${field.name}-${kind.tag}`}
            value={chosen?.value ?? ""}
            onChange={(event) => onChange({ [kind.tag]: event.target.value })}
          >
            {kind.variants.map((variant) => <option key={variant.value} value={variant.value}>{variant.label}</option>)}
          </select>
          {chosen?.fields.map((inner) => (
            <Field key={`${chosen.value}.${inner.name}`} field={inner} value={current[inner.name]} problems={[]} advice={[]} expressions={expressions} writes={writes}
              onChange={(next) => onChange(setField({ ...current, [kind.tag]: chosen.value }, inner, next))} />
          ))}
        </div>
      );
      break;
    }
    case "object": {
      const current = shown as Record<string, unknown> | undefined | null;
      input = (
        <div className="nested" data-testid={`object-${field.name}`}>
          {!field.required && (
            <label className="field inline">
              <input type="checkbox" data-testid={`field-${field.name}-on`} checked={!!current} onChange={(event) => onChange(event.target.checked ? {} : undefined)} />
              <span>Use</span>
            </label>
          )}
          {(current || field.required) && kind.fields.map((inner) => (
            <Field key={inner.name} field={inner} value={current?.[inner.name]} problems={[]} advice={[]} expressions={expressions} writes={writes}
              onChange={(next) => onChange(setField(current ?? {}, inner, next))} />
          ))}
        </div>
      );
      break;
    }
    case "json":
      input = <JsonEditor value={shown} onChange={onChange} />;
      break;
    default:
      if (kind.expression) {
        const expression = typeof shown === "string" ? shown : "";
        input = (
          <>
            <ExpressionEditor value={expression} onChange={onChange} data={expressions.completion} testId={`field-${field.name}`} label={field.label} placeholder={examplePlaceholder(expressions)} />
            <ExpressionResult expressions={[{ expression }]} upstream={expressions.upstream} />
          </>
        );
        break;
      }
      if (kind.widget === "code") {
        input = <CodeEditor value={typeof shown === "string" ? shown : ""} onChange={onChange} fields={expressions.upstream.fields} testId={`field-${field.name}`} label={field.label} />;
        break;
      }
      if (kind.widget === "sql" && !database) {
        input = (
          <textarea className="sql" data-testid={`field-${field.name}`} rows={4} spellCheck={false}
            value={typeof shown === "string" ? shown : ""} onChange={(event) => onChange(event.target.value)} />
        );
        break;
      }
      if (kind.widget === "field") {
        const choices = kind.input ? expressions.upstream.fieldsByInput?.[kind.input] ?? [] : expressions.upstream.fields;
        input = (
          <>
            <input data-testid={`field-${field.name}`} list={`fields-${field.name}`} value={typeof shown === "string" ? shown : ""} onChange={(event) => onChange(event.target.value)} />
            <datalist id={`fields-${field.name}`}>{choices.map((name) => <option key={name} value={name} />)}</datalist>
          </>
        );
        break;
      }
      if (kind.widget && database) {
        input = <DatabaseInput name={field.name} widget={kind.widget} value={typeof shown === "string" ? shown : ""} database={database} onChange={onChange} />;
        break;
      }
      input = (
        <span className="with-button">
          <input
            data-testid={`field-${field.name}`}
            value={typeof shown === "string" ? shown : ""}
            onChange={(event) => onChange(event.target.value)}
          />
          {kind.path && (
            <button type="button" onClick={async () => {
              const picked = writes ? await save({}) : await open({ multiple: false });
              if (typeof picked === "string") onChange(picked);
            }}>Browse…</button>
          )}
        </span>
      );
  }
  // A label around an editor would send its clicks to the editor's hidden input (see
  // ExpressionEditor), and around rows to the first row's input.
  const Wrapper = kind.type === "map" || kind.type === "rows" || (kind.type === "text" && (kind.expression || kind.widget === "code")) ? "div" : "label";
  const dropTarget = fieldDropTarget(field);
  return (
    <Wrapper
      className={`field ${problems.length ? "invalid" : ""}`}
      data-field={field.name}
      onDragOver={dropTarget ? (event) => {
        if (!carriesField(event.dataTransfer)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      } : undefined}
      onDrop={dropTarget ? (event) => {
        const name = droppedField(event.dataTransfer);
        // An expression editor inside has taken it already.
        if (!name || event.defaultPrevented) return;
        event.preventDefault();
        onChange(withDroppedField(dropTarget, shown, name));
      } : undefined}
    >
      <span>{field.label}{field.required ? " *" : ""}</span>
      {input}
      {field.help && <div className="help"><Markdown text={field.help} /></div>}
      {problems.map((problem, index) => <div key={index} className="field-problem" data-testid={`problem-field-${field.name}`}><Markdown text={problem.message} /></div>)}
      {advice.map((item, index) => <div key={index} className="field-advice" data-testid={`advice-field-${field.name}`}><Markdown text={item.message} /></div>)}
    </Wrapper>
  );
}

/** What a field name dropped on the form field adds to it, if anything (see `withDroppedField`). */
function fieldDropTarget(field: FieldSpec): DropTarget | null {
  if (field.kind.type === "list") return "list";
  if (field.kind.type === "map") return field.kind.expression ? "expression-map" : "map";
  return null;
}

function examplePlaceholder(expressions: ExpressionSupport): string {
  const first = expressions.upstream.fields[0];
  return first ? `expression, e.g. ${fieldReference(first)}` : "expression";
}

type MapEditorProps = {
  value: Record<string, string>;
  choices: { value: string; label: string }[] | null;
  /** For a map of expressions (`set`): its values are edited as expressions. */
  expressions: ExpressionSupport | null;
  onChange: (value: unknown) => void;
  name: string;
};

function MapEditor({ value, choices, expressions, onChange, name }: MapEditorProps) {
  const entries = Object.entries(value);
  // The row being added stays here until it has a field name, so a value typed first is kept.
  const [draft, setDraft] = useState<[string, string]>(["", ""]);
  const rows = [...entries, draft];
  const change = (index: number, row: [string, string]) => {
    if (index === entries.length && row[0] === "") return setDraft(row);
    if (index === entries.length) setDraft(["", ""]);
    const next = [...entries];
    next[index] = row;
    onChange(Object.fromEntries(next.filter(([key]) => key !== "" || next.length === 1)));
  };
  return (
    <div className="map-editor" data-testid={`map-${name}`}>
      {rows.map(([key, item], index) => (
        <div key={index} className="map-row">
          <input placeholder="field" value={key} data-testid={`map-${name}-key-${index}`} onChange={(event) => change(index, [event.target.value, item])} />
          {choices ? (
            <select value={item} data-testid={`map-${name}-value-${index}`} onChange={(event) => change(index, [key, event.target.value])}>
              <option value="" />
              {choices.map((choice) => <option key={choice.value} value={choice.value}>{choice.value}</option>)}
            </select>
          ) : expressions ? (
            <ExpressionEditor
              value={item}
              onChange={(next) => change(index, [key, next])}
              data={expressions.completion}
              testId={`map-${name}-value-${index}`}
              label={`Expression of row ${index + 1}`}
              placeholder={examplePlaceholder(expressions)}
            />
          ) : (
            <input placeholder="value" value={item} data-testid={`map-${name}-value-${index}`} onChange={(event) => change(index, [key, event.target.value])} />
          )}
        </div>
      ))}
      {expressions && <ExpressionResult expressions={rows.map(([key, item]) => ({ name: key || "(new field)", expression: item }))} upstream={expressions.upstream} />}
      {expressions && expressions.upstream.fields.length > 0 && <div className="help">Drop a field here to add a row that sets it.</div>}
    </div>
  );
}

function JsonEditor({ value, onChange }: { value: unknown; onChange: (value: unknown) => void }) {
  return (
    <textarea
      rows={4}
      defaultValue={value === undefined ? "" : JSON.stringify(value, null, 2)}
      onBlur={(event) => {
        try {
          onChange(event.target.value.trim() ? JSON.parse(event.target.value) : undefined);
          event.target.setCustomValidity("");
        } catch {
          event.target.setCustomValidity("Not valid JSON");
          event.target.reportValidity();
        }
      }}
    />
  );
}

/** A node whose type Sluice does not know (a typo in an imported flow): one click to the closest
 *  known type, or any type from the list. */
function UnknownType({ node, known }: { node: Flow["nodes"][number]; known: string[] }) {
  const closest = closestType(node.type, known);
  const retype = (type: string) => useEditor.getState().edit((current) => updateNode(current, node.id, { type }));
  return (
    <div className="field" data-testid="unknown-type">
      <span>Sluice has no node type “{node.type}”.</span>
      {closest && <button data-testid="fix-type" onClick={() => retype(closest)}>Make it “{closest}”</button>}
      <select data-testid="node-type" value="" onChange={(event) => event.target.value && retype(event.target.value)}>
        <option value="">Choose a type…</option>
        {known.map((type) => <option key={type} value={type}>{type}</option>)}
      </select>
    </div>
  );
}
