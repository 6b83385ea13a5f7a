// Finding a node by what the person remembers of it (its id, its type, its component's title):
// which nodes match the typed words and in what order, for the Ctrl+K search. Pure, tested beside.
import type { ComponentInfo } from "../bindings/ComponentInfo";
import type { Flow } from "../bindings/Flow";

export type SearchEntry = { id: string; type: string; title: string };

/** What each node can be found by: its id, its type, and its component's title. */
export function searchEntries(flow: Flow, components: ComponentInfo[]): SearchEntry[] {
  const titles = new Map(components.map((info) => [info.type, info.title]));
  return flow.nodes.map((node) => ({ id: node.id, type: node.type, title: titles.get(node.type) ?? node.type }));
}

/** How well one typed word fits one text, lower is better: the whole text, its start, the start
 *  of a word in it (after `_`, `-`, `.` or a space), anywhere in it; null when it is not in it. */
function fit(word: string, text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === word) return 0;
  if (lower.startsWith(word)) return 1;
  const at = lower.indexOf(word);
  if (at < 0) return null;
  for (let index = at; index >= 0; index = lower.indexOf(word, index + 1)) {
    if (/[\s_.\-]/.test(lower[index - 1])) return 2;
  }
  return 3;
}

/** The entries every typed word fits (in the id, type or title), best first; an id fits a little
 *  better than a type or title that fits as well. Ties keep the flow's order. An empty query
 *  lists every node in the flow's order. At most `limit` entries. */
export function searchNodes(entries: SearchEntry[], query: string, limit = 50): SearchEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return entries.slice(0, limit);
  const scored: { entry: SearchEntry; score: number; order: number }[] = [];
  entries.forEach((entry, order) => {
    let score = 0;
    for (const word of words) {
      const fits = [fit(word, entry.id), fit(word, entry.title), fit(word, entry.type)]
        .map((value, field) => (value === null ? null : value * 2 + (field === 0 ? 0 : 1)))
        .filter((value): value is number => value !== null);
      if (fits.length === 0) return;
      score += Math.min(...fits);
    }
    scored.push({ entry, score, order });
  });
  scored.sort((a, b) => a.score - b.score || a.order - b.order);
  return scored.slice(0, limit).map((item) => item.entry);
}
