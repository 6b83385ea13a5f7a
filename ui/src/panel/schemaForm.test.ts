import { describe, expect, it } from "vitest";
import { fieldsOf, newRow, rowsOf, setField, withRow } from "./schemaForm";

const csvRead = {
  type: "object",
  description: "Reads a CSV file.",
  required: ["path"],
  properties: {
    path: { description: "The CSV file.", type: "string", "x-sluice-widget": "path" },
    delimiter: { description: "The character between fields.", type: "string", default: "," },
    has_header: { description: "Whether the first row holds the field names.", type: "boolean", default: true },
    columns: { description: "Field names.", type: ["array", "null"], items: { type: "string" } },
  },
};

const jsonWrite = {
  type: "object",
  required: ["path"],
  properties: {
    path: { type: "string" },
    format: { description: "Layout.", $ref: "#/$defs/JsonLayout", default: "ndjson" },
  },
  $defs: {
    JsonLayout: { oneOf: [{ type: "string", const: "array", description: "One JSON array." }, { type: "string", const: "ndjson", description: "One object per line." }] },
  },
};

const map = {
  type: "object",
  properties: {
    set: { type: "object", additionalProperties: { type: "string" }, "x-sluice-widget": "expression" },
    drop: { type: "array", items: { type: "string" } },
  },
};

const cast = {
  type: "object",
  properties: {
    fields: { type: "object", additionalProperties: { $ref: "#/$defs/CastType" } },
    limit: { type: "integer", format: "uint64", minimum: 0 },
  },
  $defs: { CastType: { oneOf: [{ type: "string", const: "integer", description: "A whole number." }] } },
};

const route = {
  type: "object",
  properties: { routes: { type: "array", items: { $ref: "#/$defs/RouteRule" } } },
  $defs: { RouteRule: { type: "object", properties: { port: { type: "string" } } } },
};

describe("schema form", () => {
  it("reads help, defaults, required and kinds", () => {
    const fields = fieldsOf(csvRead);
    expect(fields.map((field) => [field.name, field.kind.type, field.required])).toEqual([
      ["path", "text", true], ["delimiter", "text", false], ["has_header", "boolean", false], ["columns", "list", false],
    ]);
    expect(fields[0].help).toBe("The CSV file.");
    expect(fields[0].kind).toEqual({ type: "text", path: true, expression: false, widget: null });
    expect(fields[1].defaultValue).toBe(",");
  });

  it("turns enums into selects with their documented meaning", () => {
    const format = fieldsOf(jsonWrite)[1];
    expect(format.kind).toEqual({
      type: "select",
      choices: [{ value: "array", label: "array — One JSON array." }, { value: "ndjson", label: "ndjson — One object per line." }],
    });
    expect(format.help).toBe("Layout.");
    expect(format.defaultValue).toBe("ndjson");
  });

  it("edits maps of expressions and of choices, falls back to JSON for the rest", () => {
    expect(fieldsOf(map)[0].kind).toEqual({ type: "map", valueChoices: null, expression: true });
    expect(fieldsOf(map)[1].kind).toEqual({ type: "list", widget: null });
    const [fields, limit] = fieldsOf(cast);
    expect(fields.kind).toMatchObject({ type: "map", valueChoices: [{ value: "integer" }] });
    expect(limit.kind).toEqual({ type: "number", integer: true });
    expect(fieldsOf(route)[0].kind).toEqual({ type: "rows", fields: [expect.objectContaining({ name: "port" })] });
    expect(fieldsOf({ type: "object", properties: { anything: { type: "array", items: { type: "array" } } } })[0].kind).toEqual({ type: "json" });
  });

  it("removes an optional field set to empty and keeps a required one", () => {
    const [path, delimiter] = fieldsOf(csvRead);
    expect(setField({ path: "a", delimiter: ";" }, delimiter, "")).toEqual({ path: "a" });
    expect(setField({ path: "a" }, path, "")).toEqual({ path: "" });
  });
});

it("a tagged oneOf becomes a variant field and an optional struct a group of fields", () => {
  const schema = {
    type: "object",
    properties: {
      pagination: { description: "How to get the next page.", $ref: "#/$defs/Pagination" },
      incremental: { description: "Only new records.", anyOf: [{ $ref: "#/$defs/Incremental" }, { type: "null" }] },
    },
    $defs: {
      Pagination: {
        oneOf: [
          { description: "One request only.", type: "object", properties: { type: { type: "string", const: "none" } }, required: ["type"] },
          {
            description: "A cursor in each response.",
            type: "object",
            properties: { type: { type: "string", const: "cursor" }, cursor: { type: "string", description: "Where the cursor is." }, param: { type: "string" } },
            required: ["type", "cursor", "param"],
          },
        ],
      },
      Incremental: {
        type: "object",
        properties: { cursor_field: { type: "string" }, param: { type: "string" }, initial: { type: ["string", "null"] } },
        required: ["cursor_field", "param"],
      },
    },
  };
  const [pagination, incremental] = fieldsOf(schema);
  expect(pagination.kind.type).toBe("variant");
  if (pagination.kind.type !== "variant") throw new Error("not a variant");
  expect(pagination.kind.variants.map((variant) => variant.value)).toEqual(["none", "cursor"]);
  expect(pagination.kind.variants[1].label).toBe("cursor — A cursor in each response.");
  expect(pagination.kind.variants[1].fields.map((field) => [field.name, field.required, field.help])).toEqual([
    ["cursor", true, "Where the cursor is."],
    ["param", true, ""],
  ]);
  expect(incremental.required).toBe(false);
  expect(incremental.help).toBe("Only new records.");
  if (incremental.kind.type !== "object") throw new Error(`not an object: ${incremental.kind.type}`);
  expect(incremental.kind.fields.map((field) => [field.name, field.kind.type, field.required])).toEqual([
    ["cursor_field", "text", true],
    ["param", "text", true],
    ["initial", "text", false],
  ]);
});

describe("database fields", () => {
  it("reads which fields name database tables, columns or SQL", () => {
    const schema = {
      type: "object",
      properties: {
        table: { type: ["string", "null"], "x-sluice-widget": "table" },
        columns: { type: "array", items: { type: "string" }, "x-sluice-widget": "column" },
        query: { type: "string", "x-sluice-widget": "sql" },
        other: { type: "string", "x-sluice-widget": "something else" },
      },
    };
    const kinds = fieldsOf(schema).map((field) => field.kind);
    expect(kinds).toEqual([
      { type: "text", path: false, expression: false, widget: "table" },
      { type: "list", widget: "column" },
      { type: "text", path: false, expression: false, widget: "sql" },
      { type: "text", path: false, expression: false, widget: null },
    ]);
  });
});

describe("rows and fields of the records coming in", () => {
  const sort = {
    type: "object",
    properties: { by: { type: "array", items: { $ref: "#/$defs/SortKey" } } },
    $defs: {
      SortKey: {
        type: "object",
        required: ["field"],
        properties: {
          field: { type: "string", "x-sluice-widget": "field", "x-sluice-input": "left" },
          order: { type: "string", enum: ["asc", "desc"], default: "asc" },
        },
      },
    },
  };

  it("reads a list of objects as rows whose fields pick from an input", () => {
    const [by] = fieldsOf(sort);
    expect(by.kind.type).toBe("rows");
    const fields = by.kind.type === "rows" ? by.kind.fields : [];
    expect(fields[0].kind).toEqual({ type: "text", path: false, expression: false, widget: "field", input: "left" });
    expect(newRow(fields)).toEqual({ order: "asc" });
  });

  it("edits rows one at a time", () => {
    const rows = rowsOf([{ field: "a" }, "junk", { field: "b" }]);
    expect(rows).toEqual([{ field: "a" }, { field: "b" }]);
    expect(withRow(rows, 1, { field: "c" })).toEqual([{ field: "a" }, { field: "c" }]);
    expect(withRow(rows, 0, null)).toEqual([{ field: "b" }]);
  });
});
