import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { TemplateInfo } from "../bindings/TemplateInfo";
import { TemplateCards } from "./TemplateGallery";

const templates: TemplateInfo[] = [
  {
    id: "customers-to-sqlite",
    name: "Active customers to SQLite",
    description: "Reads customers.csv, keeps the active ones and upserts them into out/customers.db.",
    components: ["csv.read", "filter", "sqlite.write"],
  },
  { id: "events-by-kind", name: "Split events by kind", description: "Sends each kind of event to its own file.", components: ["json.read", "csv.write", "csv.write"] },
];
const components = [
  { type: "csv.read", title: "Read CSV", kind: "source" as const },
  { type: "filter", title: "Filter", kind: "transform" as const },
  { type: "sqlite.write", title: "Write SQLite", kind: "sink" as const },
  { type: "csv.write", title: "Write CSV", kind: "sink" as const },
];
const text = (html: string) => html.replace(/<[^>]+>/g, "");
const render = (creating: string | null, shown: TemplateInfo[] | null = templates) =>
  renderToStaticMarkup(<TemplateCards templates={shown} components={components} creating={creating} onUse={() => undefined} />);

describe("template gallery cards", () => {
  it("shows each template's name, description and node chain, with its own button", () => {
    const html = render(null);
    expect(html).toContain('data-testid="template-gallery"');
    const shown = text(html);
    expect(shown).toContain("Active customers to SQLite");
    expect(shown).toContain("keeps the active ones");
    expect(shown).toContain("Read CSV → Filter → Write SQLite");
    expect(shown).toContain("json.read → Write CSV ×2");
    expect(html).toContain('data-testid="use-template-customers-to-sqlite"');
    expect(html).toContain('data-testid="use-template-events-by-kind"');
    expect(html).not.toContain("disabled");
  });

  it("holds every button while a flow is being made", () => {
    const html = render("events-by-kind");
    expect(html.match(/disabled=""/g)).toHaveLength(2);
    expect(text(html)).toContain("Making the flow…");
  });

  it("says it is loading before the templates arrive", () => {
    expect(text(render(null, null))).toContain("Loading templates…");
  });
});
