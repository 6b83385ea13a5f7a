// The words a problem's field is shown with: the form's label for a config field ("Set ›
// full_name" for `set.full_name`), the node panel's label for a node's own setting, so messages
// use the names the person sees on screen.
import type { NodeSettingLabels } from "../bindings/NodeSettingLabels";
import { label } from "../panel/schemaForm";

/** How a problem's `field` reads in the studio (`null` stays null). */
export function fieldWords(field: string | null, settings: NodeSettingLabels | null): string | null {
  if (!field) return null;
  const match = /^([^.[]+)(.*)$/.exec(field);
  if (!match) return field;
  const [, top, rest] = match;
  const own: Record<string, string | undefined> = {
    on_error: settings?.on_error,
    type: "Node type",
    credential: "Credential",
    id: "Node id",
  };
  const name = own[top] ?? label(top);
  const path = rest.replace(/^\./, "").replace(/\[(\d+)\]/g, (_, index) => ` #${Number(index) + 1}`).replace(/\./g, " › ");
  return path ? `${name} › ${path.trim()}` : name;
}
