// Turns a component's config JSON Schema (generated from its Rust config struct) into the
// fields of the node panel's form: help text from the doc comments, defaults, enums as selects.
// A new component needs no UI code.
import { summary } from "../text/markdown";

type Schema = Record<string, unknown>;

export type Choice = { value: string; label: string };

export type FieldSpec = {
  name: string;
  label: string;
  help: string;
  required: boolean;
  defaultValue: unknown;
  kind:
    | { type: "text"; path: boolean; expression: boolean; widget: Widget | null; input?: string }
    | { type: "number"; integer: boolean }
    | { type: "boolean" }
    | { type: "select"; choices: Choice[] }
    | { type: "list"; widget: Widget | null }
    /** A list of small objects (a sort's keys, an aggregate's computed fields): a row each. */
    | { type: "rows"; fields: FieldSpec[] }
    | { type: "map"; valueChoices: Choice[] | null; expression: boolean }
    /** One of several shapes told apart by `tag` (e.g. `pagination` by its `type`). */
    | { type: "variant"; tag: string; variants: Variant[] }
    /** A group of fields of its own (e.g. `incremental`). */
    | { type: "object"; fields: FieldSpec[] }
    | { type: "json" };
};

/** What a field names, as its schema says (`x-sluice-widget`): a database table, schema or
 *  column (picked from what the node's credential can read), SQL (edited as code), or a field of
 *  the records coming in (picked from the upstream preview; `x-sluice-input` says from which of
 *  a join's inputs), or code (a `code` node's Lua). The same mark says a field is a file `path` or an `expression` (see
 *  `marked`). */
export type Widget = "table" | "schema" | "column" | "sql" | "field" | "code";

const WIDGETS: Widget[] = ["table", "schema", "column", "sql", "field", "code"];

/** Whether the config marks a field as a file path or an expression (`x-sluice-widget`). */
function marked(schema: Schema, as: "path" | "expression"): boolean {
  return schema["x-sluice-widget"] === as;
}

function widgetOf(schema: Schema): Widget | null {
  const widget = schema["x-sluice-widget"];
  return WIDGETS.find((known) => known === widget) ?? null;
}

/** One shape of a variant field: its tag value and its other fields. */
export type Variant = { value: string; label: string; fields: FieldSpec[] };

/** The tag that tells a variant's shapes apart (serde's `#[serde(tag = "type")]`). */
const TAG = "type";

/** The variants of a `oneOf` of objects that each fix `TAG` to a constant, else null. */
function variantsOf(schema: Schema, root: Schema): Variant[] | null {
  const options = schema["oneOf"];
  if (!Array.isArray(options) || options.length === 0) return null;
  const variants: Variant[] = [];
  for (const option of options as Schema[]) {
    const properties = (option["properties"] ?? {}) as Record<string, Schema>;
    const tag = properties[TAG]?.["const"];
    if (typeof tag !== "string") return null;
    const description = typeof option["description"] === "string" ? (option["description"] as string) : "";
    const fields = fieldsOf({ ...option, $defs: root["$defs"] }).filter((field) => field.name !== TAG);
    variants.push({ value: tag, label: description ? `${tag} — ${summary(description)}` : tag, fields });
  }
  return variants;
}

/** `anyOf: [X, null]` (an optional value) as X. */
function withoutNull(schema: Schema, root: Schema): Schema {
  const options = schema["anyOf"];
  if (!Array.isArray(options)) return schema;
  const present = (options as Schema[]).filter((option) => !types(option).includes("null") || types(option).length > 1);
  if (present.length !== 1) return schema;
  const { anyOf: _, ...rest } = schema;
  return { ...resolve(present[0], root), ...rest };
}

function resolve(schema: Schema, root: Schema): Schema {
  const reference = schema["$ref"];
  if (typeof reference === "string" && reference.startsWith("#/$defs/")) {
    const definitions = (root["$defs"] ?? {}) as Record<string, Schema>;
    const target = definitions[reference.slice("#/$defs/".length)] ?? {};
    // Keep the property's own description and default over the definition's.
    return { ...resolve(target, root), ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== "$ref")) };
  }
  return schema;
}

function types(schema: Schema): string[] {
  const type = schema["type"];
  return Array.isArray(type) ? (type as string[]) : typeof type === "string" ? [type] : [];
}

/** The choices of an enum schema (`enum`, or `oneOf` of documented `const`s). */
export function choicesOf(schema: Schema): Choice[] | null {
  if (Array.isArray(schema["enum"])) {
    return (schema["enum"] as unknown[]).filter((value): value is string => typeof value === "string").map((value) => ({ value, label: value }));
  }
  const variants = schema["oneOf"];
  if (Array.isArray(variants) && variants.every((variant) => typeof (variant as Schema)["const"] === "string")) {
    return (variants as Schema[]).map((variant) => {
      const value = variant["const"] as string;
      const description = typeof variant["description"] === "string" ? (variant["description"] as string) : "";
      return { value, label: description ? `${value} — ${summary(description)}` : value };
    });
  }
  return null;
}

/** The form label of a config field: `max_row_bytes` → "Max row bytes". */
export function label(name: string): string {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The form fields of a config schema, in the schema's order. */
export function fieldsOf(root: Schema): FieldSpec[] {
  const properties = (root["properties"] ?? {}) as Record<string, Schema>;
  const required = new Set((root["required"] as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, raw]) => {
    const schema = withoutNull(resolve(raw, root), root);
    const help = typeof schema["description"] === "string" ? (schema["description"] as string) : "";
    const base = { name, label: label(name), help, required: required.has(name), defaultValue: schema["default"] };
    const kinds = types(schema).filter((type) => type !== "null");
    const choices = choicesOf(schema);
    if (choices) return { ...base, kind: { type: "select", choices } };
    if (kinds.includes("boolean")) return { ...base, kind: { type: "boolean" } };
    if (kinds.includes("integer") || kinds.includes("number")) {
      return { ...base, kind: { type: "number", integer: kinds.includes("integer") } };
    }
    if (kinds.includes("string")) {
      const input = typeof schema["x-sluice-input"] === "string" ? { input: schema["x-sluice-input"] as string } : {};
      return { ...base, kind: { type: "text", path: marked(schema, "path"), expression: marked(schema, "expression"), widget: widgetOf(schema), ...input } };
    }
    if (kinds.includes("array")) {
      const items = resolve((schema["items"] ?? {}) as Schema, root);
      if (types(items).includes("string")) return { ...base, kind: { type: "list", widget: widgetOf(schema) } };
      if (types(items).includes("object") && items["properties"]) {
        return { ...base, kind: { type: "rows", fields: fieldsOf({ ...items, $defs: root["$defs"] }) } };
      }
      return { ...base, kind: { type: "json" } };
    }
    const variants = variantsOf(schema, root);
    if (variants) return { ...base, kind: { type: "variant", tag: TAG, variants } };
    if (kinds.includes("object") && schema["properties"] && !schema["additionalProperties"]) {
      return { ...base, kind: { type: "object", fields: fieldsOf({ ...schema, $defs: root["$defs"] }) } };
    }
    if (kinds.includes("object") && schema["additionalProperties"] && typeof schema["additionalProperties"] === "object") {
      const values = resolve(schema["additionalProperties"] as Schema, root);
      const valueChoices = choicesOf(values);
      if (valueChoices || types(values).includes("string")) {
        return { ...base, kind: { type: "map", valueChoices, expression: marked(schema, "expression") } };
      }
    }
    return { ...base, kind: { type: "json" } };
  });
}

/** The config with `name` set to `value`; an empty optional value removes the field. */
export function setField(config: Record<string, unknown>, field: FieldSpec, value: unknown): Record<string, unknown> {
  const next = { ...config };
  const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0 && !field.required);
  if (empty && !field.required) {
    delete next[field.name];
  } else {
    next[field.name] = value;
  }
  return next;
}

/** The rows of a `rows` field's value (anything else is no rows). */
export function rowsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((row): row is Record<string, unknown> => !!row && typeof row === "object" && !Array.isArray(row)) : [];
}

/** The rows with row `index` replaced by `row`, or removed when `row` is null. */
export function withRow(rows: Record<string, unknown>[], index: number, row: Record<string, unknown> | null): Record<string, unknown>[] {
  return row === null ? rows.filter((_, at) => at !== index) : rows.map((current, at) => (at === index ? row : current));
}

/** A new row: each field's default, where it has one. */
export function newRow(fields: FieldSpec[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((field) => field.defaultValue !== undefined).map((field) => [field.name, field.defaultValue]));
}
