// Fields that name what a database holds: a table, schema or column picked from what the node's
// credential can read (typing stays possible), columns added to a list by a click, and SQL in a
// monospace editor.
import type { Widget } from "./schemaForm";
import { pickerOptions, type Catalog } from "./databasePicker";

/** What the pickers of one node's form can offer: its credential's tables and what it names. */
export type DatabaseContext = { catalog: Catalog; table: string; schema: string };

type Props = { name: string; widget: Widget; value: string; database: DatabaseContext; onChange: (value: string) => void };

export function DatabaseInput({ name, widget, value, database, onChange }: Props) {
  if (widget === "sql") {
    return (
      <textarea className="sql" data-testid={`field-${name}`} rows={4} spellCheck={false} value={value}
        onChange={(event) => onChange(event.target.value)} />
    );
  }
  const options = pickerOptions(database.catalog, widget, database.table, database.schema);
  const listId = `picker-${name}`;
  return (
    <>
      <input data-testid={`field-${name}`} list={listId} autoComplete="off" value={value} onChange={(event) => onChange(event.target.value)} />
      <datalist id={listId} data-testid={`picker-${name}`}>
        {options.map((option, index) => <option key={`${option.value}-${index}`} value={option.value}>{option.note}</option>)}
      </datalist>
      {widget === "table" && database.catalog.error && (
        <span className="field-problem" data-testid="catalog-problem">The tables could not be listed: {database.catalog.error}</span>
      )}
    </>
  );
}

/** The columns of the named table, each a button that adds it to the list `value`. */
export function ColumnChoices({ value, database, onChange }: { value: string[]; database: DatabaseContext; onChange: (value: string[]) => void }) {
  const columns = pickerOptions(database.catalog, "column", database.table, database.schema).filter((column) => !value.includes(column.value));
  if (columns.length === 0) return null;
  return (
    <span className="column-choices" data-testid="column-choices">
      {columns.map((column) => (
        <button type="button" key={column.value} className="field-chip" title={column.note} onClick={() => onChange([...value, column.value])}>
          + {column.value}
        </button>
      ))}
    </span>
  );
}
