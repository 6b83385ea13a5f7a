import { describe, expect, it } from "vitest";
import { closestType } from "./nodeTypes";

const known = ["filter", "map", "csv.read", "csv.write", "sqlite.write"];

describe("closest node type", () => {
  it("finds the type a typo meant", () => {
    expect(closestType("filtr", known)).toBe("filter");
    expect(closestType("csv.reed", known)).toBe("csv.read");
    expect(closestType("SQLite.write", known)).toBe("sqlite.write");
  });

  it("suggests nothing for a word that is not close", () => {
    expect(closestType("salesforce.read", known)).toBeNull();
    expect(closestType("xyz", known)).toBeNull();
  });
});
