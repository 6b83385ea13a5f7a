// The Ctrl+K node search: type part of a node's id, type or title; Enter or a click selects the
// node and centres the canvas on it; Escape closes. Matching and ranking are in nodeSearch.ts.
import { useEffect, useMemo, useRef, useState } from "react";
import { useEditor } from "../store/flowStore";
import { useCanvasCommands } from "./canvasCommands";
import { searchEntries, searchNodes } from "./nodeSearch";

/** More than this many matches are not drawn: typing more narrows them. */
const SHOWN = 50;

export function NodeSearch({ onClose }: { onClose: () => void }) {
  const flow = useEditor((state) => state.flow)!;
  const components = useEditor((state) => state.components);
  const { focusNode } = useCanvasCommands();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const entries = useMemo(() => searchEntries(flow, components), [flow, components]);
  const matches = useMemo(() => searchNodes(entries, query, Infinity), [entries, query]);
  const shown = matches.slice(0, SHOWN);

  useEffect(() => {
    list.current?.children[active]?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const choose = (id: string) => {
    onClose();
    focusNode(id);
  };

  return (
    <div className="overlay search-overlay" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div className="dialog node-search" data-testid="node-search" role="dialog" aria-label="Find a node">
        <input
          autoFocus
          data-testid="node-search-input"
          placeholder="Find a node by its id, type or title"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
          onKeyDown={(event) => {
            if (event.key === "Escape") {
              event.preventDefault();
              onClose();
            } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
              event.preventDefault();
              const step = event.key === "ArrowDown" ? 1 : -1;
              setActive((current) => Math.min(Math.max(current + step, 0), shown.length - 1));
            } else if (event.key === "Enter" && shown[active]) {
              event.preventDefault();
              choose(shown[active].id);
            }
          }}
        />
        <ul className="search-results" role="listbox" ref={list}>
          {shown.map((entry, index) => (
            <li
              key={entry.id}
              role="option"
              aria-selected={index === active}
              className={index === active ? "active" : undefined}
              data-testid={`node-search-result-${entry.id}`}
              onMouseEnter={() => setActive(index)}
              onClick={() => choose(entry.id)}
            >
              <span className="search-id">{entry.id}</span>
              <span className="muted">{entry.title === entry.type ? entry.type : `${entry.title} · ${entry.type}`}</span>
            </li>
          ))}
        </ul>
        {matches.length === 0 && <p className="muted">{flow.nodes.length ? `No node matches “${query}”.` : "This flow has no nodes yet."}</p>}
        {matches.length > SHOWN && <p className="muted">{matches.length - SHOWN} more: type more to narrow the list.</p>}
      </div>
    </div>
  );
}
