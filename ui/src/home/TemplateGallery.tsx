// The flows home's "Start from a template" section: one toggle above the flows list and, opened,
// a card per template (name, what it does, its node chain) whose button makes a new flow from a
// fresh copy of the template and its sample data, and opens it. When it starts open: gallery.ts.
import { useEffect, useState } from "react";
import { api, errorText } from "../api";
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { TemplateInfo } from "../bindings/TemplateInfo";
import { openTemplate } from "../guide/guideStore";
import { useEditor } from "../store/flowStore";
import { chainText, galleryStartsOpen, templateChain } from "./gallery";

type Props = {
  /** How many flows the home lists (null while it loads). */
  flowCount: number | null;
  onNotice: (notice: { text: string; error: boolean } | null) => void;
};

export function TemplateGallery({ flowCount, onNotice }: Props) {
  const [templates, setTemplates] = useState<TemplateInfo[] | null>(null);
  // Null until the person toggles; their choice then holds however many flows there are.
  const [openedByPerson, setOpenedByPerson] = useState<boolean | null>(null);
  const [creating, setCreating] = useState<string | null>(null);
  const components = useEditor((state) => state.components);
  useEffect(() => {
    api.templates().then(setTemplates, (error) => onNotice({ text: `Could not list the templates: ${errorText(error)}`, error: true }));
  }, [onNotice]);
  const open = openedByPerson ?? galleryStartsOpen(flowCount);

  const use = async (template: TemplateInfo) => {
    setCreating(template.id);
    try {
      await openTemplate(template.id);
    } catch (error) {
      onNotice({ text: `Could not make a flow from “${template.name}”: ${errorText(error)}`, error: true });
      setCreating(null);
    }
  };

  return (
    <section className="templates" aria-label="Templates">
      <button
        className="templates-toggle"
        data-testid="show-templates"
        aria-expanded={open}
        aria-controls={open ? "template-gallery" : undefined}
        onClick={() => setOpenedByPerson(!open)}
      >
        <span className="templates-chevron" aria-hidden>{open ? "▾" : "▸"}</span>
        Templates
        <span className="muted">
          {" "}· start from a ready-made flow with sample data{templates ? ` (${templates.length})` : ""}
        </span>
      </button>
      {open && (
        <TemplateCards templates={templates} components={components} creating={creating} onUse={use} />
      )}
    </section>
  );
}

type CardsProps = {
  templates: TemplateInfo[] | null;
  components: Pick<ComponentInfo, "type" | "title" | "kind">[];
  /** The template a flow is being made from; every button waits meanwhile. */
  creating: string | null;
  onUse: (template: TemplateInfo) => void;
};

export function TemplateCards({ templates, components, creating, onUse }: CardsProps) {
  return (
    <div className="template-gallery" id="template-gallery" data-testid="template-gallery">
      {templates === null ? (
        <p className="muted">Loading templates…</p>
      ) : (
        templates.map((template) => {
          const chain = templateChain(template.components, components);
          return (
            <article className="template-card" key={template.id} data-template-id={template.id}>
              <h3>{template.name}</h3>
              <p className="template-chain" aria-label={chainText(chain)}>
                {chain.map((link, index) => (
                  <span key={index}>
                    {index > 0 && <span className="template-arrow" aria-hidden> → </span>}
                    <span className={`template-link ${link.kind ?? ""}`}>
                      {link.title}
                      {link.count > 1 && ` ×${link.count}`}
                    </span>
                  </span>
                ))}
              </p>
              <p className="template-description">{template.description}</p>
              <button data-testid={`use-template-${template.id}`} disabled={creating !== null} onClick={() => onUse(template)}>
                {creating === template.id ? "Making the flow…" : "Use this template"}
              </button>
            </article>
          );
        })
      )}
    </div>
  );
}
