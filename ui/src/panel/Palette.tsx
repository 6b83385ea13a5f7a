// The palette: every node type Rust reports, grouped by category, searchable. Drag one onto the
// canvas, or click it: the node goes into free space in view, or after the one selected node
// (store/flowEdits.addFromPalette).
import { open } from "@tauri-apps/plugin-dialog";
import { useMemo, useState } from "react";
import { importConnectorFile } from "./importConnector";
import { PALETTE_MIME, useCanvasView } from "../canvas/Canvas";
import { useEditor } from "../store/flowStore";
import { ComponentIcon } from "./ComponentIcon";

const ORDER = ["Files", "Databases", "Transform"];

export function Palette() {
  const components = useEditor((state) => state.components);
  const canvasView = useCanvasView();
  const [search, setSearch] = useState("");
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);

  const groups = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const matching = components.filter((component) =>
      [component.type, component.title, component.description, component.category].some((text) => text.toLowerCase().includes(needle)),
    );
    const categories = [...new Set(matching.map((component) => component.category))].sort(
      (a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
    );
    return categories.map((category) => ({ category, items: matching.filter((component) => component.category === category) }));
  }, [components, search]);

  return (
    <aside className="palette" data-testid="palette">
      <input placeholder="Search components" value={search} onChange={(event) => setSearch(event.target.value)} data-testid="palette-search" />
      {groups.map((group) => (
        <section key={group.category}>
          <h2>{group.category}</h2>
          {group.items.map((component) => (
            <button
              key={component.type}
              className={`palette-item ${component.kind}`}
              draggable
              data-testid={`palette-${component.type}`}
              title={component.description}
              onDragStart={(event) => {
                event.dataTransfer.setData(PALETTE_MIME, component.type);
                event.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => useEditor.getState().addFromPalette(component.type, canvasView())}
            >
              <span className="palette-title"><ComponentIcon category={component.category} kind={component.kind} /> {component.title}</span>
              <span className="palette-description">{component.description}</span>
            </button>
          ))}
        </section>
      ))}
      <button
        className="link palette-import"
        data-testid="import-connector"
        title="A connector manifest in Airbyte's declarative YAML format: each becomes a source under Apps."
        onClick={async () => {
          const path = await open({ multiple: false, filters: [{ name: "Connector manifest", extensions: ["yaml", "yml"] }] });
          if (typeof path === "string") await importConnectorFile(path, setNotice);
        }}
      >
        Import connector…
      </button>
      {notice && (
        <p className={notice.error ? "palette-notice error" : "palette-notice"} data-testid="palette-notice" role="status">
          {notice.text}
        </p>
      )}
    </aside>
  );
}
