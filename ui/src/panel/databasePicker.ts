// What the database pickers of a node form offer: the tables, schemas and columns the node's
// credential can read (listed by the runtime), narrowed to the table the form names.
import type { DatabaseTable } from "../bindings/DatabaseTable";
import type { Widget } from "./schemaForm";

/** The tables a credential can read, or why they could not be listed. */
export type Catalog = { tables: DatabaseTable[]; error: string | null };

/** An option of a picker: the value it sets, and a word about it. */
export type PickerOption = { value: string; note: string };

/** The options of a `widget` field, given the `table` and `schema` the form names now. */
export function pickerOptions(catalog: Catalog, widget: Widget, table: string, schema: string): PickerOption[] {
  switch (widget) {
    case "table":
      return catalog.tables
        .filter((candidate) => !schema || candidate.schema === schema)
        .map((candidate) => ({ value: candidate.name, note: `${candidate.schema} · ${candidate.columns.length} columns` }));
    case "schema":
      return [...new Set(catalog.tables.map((candidate) => candidate.schema))].map((name) => ({ value: name, note: "schema" }));
    case "column":
      return (chosenTable(catalog.tables, table, schema)?.columns ?? []).map((column) => ({ value: column.name, note: column.data_type }));
    case "sql":
    case "field":
    case "code":
      return [];
  }
}

/** The table the form names: in its schema when it names one, else preferably in `public`. */
export function chosenTable(tables: DatabaseTable[], table: string, schema: string): DatabaseTable | undefined {
  const named = tables.filter((candidate) => candidate.name === table && (!schema || candidate.schema === schema));
  return named.find((candidate) => candidate.schema === "public") ?? named[0];
}
