import { describe, expect, it } from "vitest";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";
import { searchEntries, searchNodes, type SearchEntry } from "./nodeSearch";

const entry = (id: string, type: string, title: string): SearchEntry => ({ id, type, title });
const entries = [
  entry("read_people", "csv.read", "Read CSV"),
  entry("keep_active", "filter", "Filter"),
  entry("filter_1", "filter", "Filter"),
  entry("save", "sqlite.write", "Write SQLite"),
  entry("csv_write_1", "csv.write", "Write CSV"),
];
const ids = (query: string, limit?: number) => searchNodes(entries, query, limit).map((found) => found.id);

describe("node search", () => {
  it("lists every node in the flow's order before anything is typed", () => {
    expect(ids("")).toEqual(entries.map((found) => found.id));
    expect(ids("   ")).toEqual(entries.map((found) => found.id));
    expect(ids("", 2)).toEqual(["read_people", "keep_active"]);
  });

  it("finds nodes by id, type or title, ignoring case", () => {
    expect(ids("SAVE")).toEqual(["save"]);
    expect(ids("sqlite")).toEqual(["save"]);
    // Both titles start with "Write": equally good, so in the flow's order.
    expect(ids("write")).toEqual(["save", "csv_write_1"]);
    expect(ids("nothing like it")).toEqual([]);
  });

  it("puts the exact id first, then starts, then word starts, then anything inside", () => {
    expect(ids("filter_1")).toEqual(["filter_1"]);
    // The id "filter_1" fits better than the type "filter" of keep_active…
    expect(ids("filter_")).toEqual(["filter_1"]);
    // …but both are of type "filter" exactly, which beats any id that only starts with it.
    expect(ids("filter")).toEqual(["keep_active", "filter_1"]);
    expect(ids("keep")).toEqual(["keep_active"]);
    const saves = ["unsaved", "my_save", "save_it", "save"].map((id) => entry(id, "x", "X"));
    expect(searchNodes(saves, "save").map((found) => found.id)).toEqual(["save", "save_it", "my_save", "unsaved"]);
    expect(ids("csv")).toEqual(["csv_write_1", "read_people"]);
  });

  it("needs every typed word to fit somewhere", () => {
    expect(ids("write csv")).toEqual(["csv_write_1"]);
    expect(ids("read csv")).toEqual(["read_people"]);
    expect(ids("read sqlite")).toEqual([]);
  });

  it("takes titles from the components and falls back to the type", () => {
    const flow: Flow = {
      format: "sluice.flow/1", id: "f", name: "n", edges: [],
      nodes: [{ id: "a", type: "filter", config: {} }, { id: "b", type: "filtr", config: {} }],
    };
    const filter = { type: "filter", title: "Filter" } as ComponentInfo;
    expect(searchEntries(flow, [filter])).toEqual([entry("a", "filter", "Filter"), entry("b", "filtr", "filtr")]);
  });
});
