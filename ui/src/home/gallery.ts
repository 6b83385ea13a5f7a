// What the template gallery on the home screen shows: a template's node chain in readable titles
// ("Read CSV → Filter → Write SQLite"), and whether the gallery starts open. Pure, tested beside.
import type { ComponentInfo } from "../bindings/ComponentInfo";

/** One link of a template's chain: a node type's title, how many times it comes in a row. */
export type ChainLink = { title: string; kind: ComponentInfo["kind"] | null; count: number };

/** A template's node types (in order) as titles; repeats in a row are one link with a count, so a
 *  flow that writes three CSV files reads "Write CSV ×3". A type the studio does not know (yet:
 *  the component list arrives after the templates) shows as its type. */
export function templateChain(types: string[], components: Pick<ComponentInfo, "type" | "title" | "kind">[]): ChainLink[] {
  const known = new Map(components.map((component) => [component.type, component]));
  const chain: ChainLink[] = [];
  for (const type of types) {
    const component = known.get(type);
    const title = component?.title ?? type;
    const last = chain[chain.length - 1];
    if (last && last.title === title) last.count += 1;
    else chain.push({ title, kind: component?.kind ?? null, count: 1 });
  }
  return chain;
}

/** The chain as one line of text. */
export function chainText(chain: ChainLink[]): string {
  return chain.map((link) => (link.count > 1 ? `${link.title} ×${link.count}` : link.title)).join(" → ");
}

/**
 * The gallery is one toggle above the flows list and starts closed, so nine cards never push the
 * list off-screen; it starts open only when there are no flows to push (the list is one sentence
 * then). `flowCount` is null while the list loads.
 */
export function galleryStartsOpen(flowCount: number | null): boolean {
  return flowCount === 0;
}
