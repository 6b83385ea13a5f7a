import { describe, expect, it } from "vitest";
import { formatBytes, formatMilliseconds } from "./format";

describe("run amounts", () => {
  it("shows bytes in the unit a person reads at a glance", () => {
    expect(formatBytes(0)).toBe("–");
    expect(formatBytes(576)).toBe("576 B");
    expect(formatBytes(12_345)).toBe("12.3 KB");
    expect(formatBytes(70_500_000)).toBe("70.5 MB");
  });

  it("shows times in milliseconds below a second and seconds above", () => {
    expect(formatMilliseconds(850)).toBe("850 ms");
    expect(formatMilliseconds(1250)).toBe("1.3 s");
  });
});
