import { describe, expect, it } from "vitest";
import { chosenTable, pickerOptions, type Catalog } from "./databasePicker";

const catalog: Catalog = {
  error: null,
  tables: [
    { schema: "public", name: "orders", columns: [{ name: "id", data_type: "integer" }, { name: "total", data_type: "numeric(10,2)" }] },
    { schema: "shop", name: "orders", columns: [{ name: "order_id", data_type: "bigint" }] },
    { schema: "shop", name: "customers", columns: [] },
  ],
};

describe("database pickers", () => {
  it("offer the tables, narrowed to the schema the form names", () => {
    expect(pickerOptions(catalog, "table", "", "").map((option) => option.value)).toEqual(["orders", "orders", "customers"]);
    expect(pickerOptions(catalog, "table", "", "shop")).toEqual([
      { value: "orders", note: "shop · 1 columns" },
      { value: "customers", note: "shop · 0 columns" },
    ]);
    expect(pickerOptions(catalog, "schema", "", "").map((option) => option.value)).toEqual(["public", "shop"]);
  });

  it("offer the columns of the table the form names, with their types", () => {
    expect(pickerOptions(catalog, "column", "orders", "")).toEqual([
      { value: "id", note: "integer" },
      { value: "total", note: "numeric(10,2)" },
    ]);
    expect(pickerOptions(catalog, "column", "orders", "shop")).toEqual([{ value: "order_id", note: "bigint" }]);
    expect(pickerOptions(catalog, "column", "missing", "")).toEqual([]);
    expect(pickerOptions(catalog, "sql", "orders", "")).toEqual([]);
  });

  it("prefer the table in public when no schema is named", () => {
    expect(chosenTable(catalog.tables, "orders", "")?.schema).toBe("public");
    expect(chosenTable(catalog.tables, "customers", "")?.schema).toBe("shop");
  });
});
