import { describe, expect, it } from "vitest";
import type { FlowReview } from "../bindings/FlowReview";
import { hasForbidden, reviewSections } from "./review";

const review: FlowReview = {
  flow_id: "f1",
  name: "Tidy contacts",
  version: 1,
  trusted: false,
  files: [
    { node: "key", writes: false, written: "~/.ssh/id_rsa", path: "/home/ada/.ssh/id_rsa", concerns: ["a hidden file or folder in your home folder"], forbidden: false },
    { node: "rc", writes: true, written: "/home/ada/.bashrc", path: "/home/ada/.bashrc", concerns: ["outside the flow's folder"], forbidden: false },
  ],
  hosts: [{ node: "post", url: "https://x.example/in", host: "x.example", sends_records: true, credential: "GitHub" }],
  credentials: ["GitHub", "warehouse"],
  databases: [{ node: "orders", credential: "warehouse", what: "reads the table shop.orders where paid" }],
  listens: [],
  schedule: "Every 5 minutes, UTC",
  schedule_enabled: false,
};

describe("trust review", () => {
  it("lists reads, writes, hosts, databases, credentials and schedule with their warnings, skipping empty sections", () => {
    const sections = reviewSections(review);
    expect(sections.map((section) => section.title)).toEqual([
      "Files it reads",
      "Files it writes",
      "Hosts it contacts",
      "Databases it reads or writes",
      "Credentials it uses",
      "Schedule",
    ]);
    expect(sections[0].lines[0]).toMatchObject({ text: "/home/ada/.ssh/id_rsa", warnings: ["a hidden file or folder in your home folder"] });
    expect(sections[2].lines[0].warnings).toEqual(["sends records", "sends the credential “GitHub”"]);
    expect(sections[3].lines[0]).toMatchObject({ text: "reads the table shop.orders where paid", detail: "node orders — credential “warehouse”" });
    expect(sections[5].lines[0].detail).toBe("off until you turn it on");
  });

  it("tells a flow that reaches Sluice's own folder apart", () => {
    expect(hasForbidden(review)).toBe(false);
    const forbidden = { ...review, files: [{ ...review.files[0], forbidden: true }] };
    expect(hasForbidden(forbidden)).toBe(true);
    expect(reviewSections({ ...review, files: [], hosts: [], credentials: [], databases: [], schedule: null })).toEqual([]);
  });
});
