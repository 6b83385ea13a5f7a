import { describe, expect, it } from "vitest";
import { chainText, galleryStartsOpen, templateChain } from "./gallery";

const components = [
  { type: "csv.read", title: "Read CSV", kind: "source" as const },
  { type: "filter", title: "Filter", kind: "transform" as const },
  { type: "route", title: "Route", kind: "transform" as const },
  { type: "sqlite.write", title: "Write SQLite", kind: "sink" as const },
  { type: "csv.write", title: "Write CSV", kind: "sink" as const },
];

describe("template gallery", () => {
  it("shows a template's nodes as their titles, in order", () => {
    const chain = templateChain(["csv.read", "filter", "sqlite.write"], components);
    expect(chainText(chain)).toBe("Read CSV → Filter → Write SQLite");
    expect(chain.map((link) => link.kind)).toEqual(["source", "transform", "sink"]);
  });

  it("counts the same node type in a row once, with how many", () => {
    const chain = templateChain(["csv.read", "route", "csv.write", "csv.write", "csv.write"], components);
    expect(chainText(chain)).toBe("Read CSV → Route → Write CSV ×3");
    expect(chainText(templateChain(["csv.read", "csv.write", "filter", "csv.write"], components))).toBe(
      "Read CSV → Write CSV → Filter → Write CSV",
    );
  });

  it("shows a type it does not know (yet) as the type", () => {
    const chain = templateChain(["json.read", "filter"], components);
    expect(chainText(chain)).toBe("json.read → Filter");
    expect(chain[0].kind).toBeNull();
    expect(chainText(templateChain(["csv.read"], []))).toBe("csv.read");
  });

  it("starts open only when there are no flows for it to push down", () => {
    expect(galleryStartsOpen(0)).toBe(true);
    expect(galleryStartsOpen(2)).toBe(false);
    expect(galleryStartsOpen(null)).toBe(false);
  });
});
