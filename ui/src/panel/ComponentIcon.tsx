// A small icon for a component, by what it touches: files, databases, apps, or records in transit.
import type { ComponentKind } from "../bindings/ComponentKind";

export function ComponentIcon({ category, kind }: { category: string; kind: ComponentKind | "unknown" }) {
  const stroke = "currentColor";
  let shape;
  if (category === "Files") {
    shape = <path d="M4 2h6l3 3v9H4z M10 2v3h3" fill="none" stroke={stroke} strokeWidth="1.3" strokeLinejoin="round" />;
  } else if (category === "Databases") {
    shape = (
      <g fill="none" stroke={stroke} strokeWidth="1.3">
        <ellipse cx="8.5" cy="4" rx="5" ry="2" />
        <path d="M3.5 4v8c0 1.1 2.2 2 5 2s5-.9 5-2V4 M3.5 8c0 1.1 2.2 2 5 2s5-.9 5-2" />
      </g>
    );
  } else if (category === "Apps") {
    shape = (
      <g fill="none" stroke={stroke} strokeWidth="1.3" strokeLinejoin="round">
        <rect x="2.5" y="2.5" width="5" height="5" rx="1" />
        <rect x="9.5" y="2.5" width="5" height="5" rx="1" />
        <rect x="2.5" y="9.5" width="5" height="5" rx="1" />
        <path d="M12 9.5v5 M9.5 12h5" strokeLinecap="round" />
      </g>
    );
  } else {
    shape = <path d="M2 5h9l-2.5-2.5 M15 11H6l2.5 2.5" fill="none" stroke={stroke} strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round" />;
  }
  return (
    <svg className={`component-icon ${kind}`} width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      {shape}
    </svg>
  );
}
