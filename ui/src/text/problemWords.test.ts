import { describe, expect, it } from "vitest";
import { fieldWords } from "./problemWords";

const settings = { on_error: "When a record fails", on_error_choices: [] };

describe("problem field words", () => {
  it("uses the form's labels for config fields, with the path inside them", () => {
    expect(fieldWords("when", settings)).toBe("When");
    expect(fieldWords("max_row_bytes", settings)).toBe("Max row bytes");
    expect(fieldWords("set.full_name", settings)).toBe("Set › full_name");
    expect(fieldWords("routes[1].when", settings)).toBe("Routes › #2 › when");
  });

  it("uses the node panel's labels for a node's own settings", () => {
    expect(fieldWords("on_error", settings)).toBe("When a record fails");
    expect(fieldWords("type", settings)).toBe("Node type");
  });

  it("leaves no field as none", () => {
    expect(fieldWords(null, settings)).toBeNull();
  });
});
