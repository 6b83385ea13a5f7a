import { describe, expect, it } from "vitest";
import type { FlowDiff } from "../bindings/FlowDiff";
import { diffLines, shown } from "./diffView";

const empty: FlowDiff = {
  renamed: null, nodes_added: [], nodes_removed: [], nodes_changed: [], nodes_moved: [],
  edges_added: [], edges_removed: [], schedule_changed: false, vars_changed: false, description_changed: false,
};

describe("diff lines", () => {
  it("says nothing for no change", () => {
    expect(diffLines(empty)).toEqual([]);
  });

  it("lists flow changes, then nodes field by field, then edges", () => {
    const lines = diffLines({
      ...empty,
      renamed: "Orders",
      nodes_added: ["keep"],
      nodes_changed: [{ node: "shape", fields: [{ path: "config.set.total", before: "a * 2", after: null }] }],
      edges_removed: ["read → shape"],
    });
    expect(lines.map((line) => line.kind)).toEqual(["flow", "added", "changed", "removed"]);
    expect(lines[2].text).toBe("shape · set.total: a * 2 → (none)");
  });

  it("shows values as a person reads them", () => {
    expect(shown("text")).toBe("text");
    expect(shown(["id"])).toBe('["id"]');
    expect(shown(undefined)).toBe("(none)");
  });
});
