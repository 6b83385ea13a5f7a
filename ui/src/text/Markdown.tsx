// Shows help text or a message written in the little Markdown of markdown.ts. Everything goes
// through React as text (no innerHTML), so a message can never inject markup. One paragraph is
// drawn inline (a <span>), so it can follow a label like "when: " on the same line.
import { Fragment, useMemo } from "react";
import { parseMarkdown, type Inline } from "./markdown";

function Inlines({ inlines }: { inlines: Inline[] }) {
  return inlines.map((inline, index) => {
    if (inline.type === "code") return <code key={index}>{inline.text}</code>;
    if (inline.type === "bold") return <strong key={index}><Inlines inlines={inline.children} /></strong>;
    return <Fragment key={index}>{inline.text}</Fragment>;
  });
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  const classes = className ? `markdown ${className}` : "markdown";
  if (blocks.length === 0) return null;
  if (blocks.length === 1 && blocks[0].type === "paragraph") {
    return <span className={classes}><Inlines inlines={blocks[0].children} /></span>;
  }
  return (
    <div className={classes}>
      {blocks.map((block, index) =>
        block.type === "paragraph" ? (
          <p key={index}><Inlines inlines={block.children} /></p>
        ) : (
          <ul key={index}>{block.items.map((item, at) => <li key={at}><Inlines inlines={item} /></li>)}</ul>
        ),
      )}
    </div>
  );
}
