// The little Markdown that help text and messages use, parsed to a token tree: paragraphs, bullet
// lists (`- ` or `* `), `code spans` and **bold**. Nothing else, and never HTML: the tree holds
// only text, so whatever a message says is shown as text (see Markdown.tsx).

export type Inline = { type: "text"; text: string } | { type: "code"; text: string } | { type: "bold"; children: Inline[] };
export type Block = { type: "paragraph"; children: Inline[] } | { type: "list"; items: Inline[][] };

const BULLET = /^\s*[-*]\s+(.*)$/;

/** The blocks of `text`. A blank line ends a paragraph or list; other line breaks inside a
 *  paragraph are soft (doc comments wrap there). A bullet line starts a list even right after a
 *  paragraph line; an indented line after an item continues it. */
export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] | null = null;
  let list: string[][] | null = null;
  const finish = () => {
    if (paragraph) blocks.push({ type: "paragraph", children: parseInline(paragraph.join(" ")) });
    if (list) blocks.push({ type: "list", items: list.map((item) => parseInline(item.join(" "))) });
    paragraph = null;
    list = null;
  };
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const bullet = BULLET.exec(line);
    if (line.trim() === "") {
      finish();
    } else if (bullet) {
      if (paragraph) finish();
      (list ??= []).push([bullet[1].trim()]);
    } else if (list && /^\s/.test(line)) {
      list[list.length - 1].push(line.trim());
    } else {
      if (list) finish();
      (paragraph ??= []).push(line.trim());
    }
  }
  finish();
  return blocks;
}

/** Splits text into code spans and the text between them. A run of backticks opens a span that
 *  the next run of the same length closes; one that is never closed is just backticks. */
function codeSpans(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  let index = 0;
  while (index < text.length) {
    if (text[index] !== "`") {
      plain += text[index++];
      continue;
    }
    let run = 1;
    while (text[index + run] === "`") run++;
    const fence = "`".repeat(run);
    let close = text.indexOf(fence, index + run);
    // A longer run is not this span's end: look past it.
    while (close >= 0 && text[close + run] === "`") {
      let end = close;
      while (text[end] === "`") end++;
      close = text.indexOf(fence, end);
    }
    if (close < 0) {
      plain += fence;
      index += run;
      continue;
    }
    let code = text.slice(index + run, close);
    // As in CommonMark: one space each side is padding (it lets a span start with a backtick).
    if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
    if (plain) out.push({ type: "text", text: plain });
    out.push({ type: "code", text: code });
    plain = "";
    index = close + run;
  }
  if (plain) out.push({ type: "text", text: plain });
  return out;
}

type Piece = Inline | { type: "marker" };

/** Whether the pieces between two `**` may be bold: something, not starting or ending with
 *  space (so `2 ** 3 ** 4` stays arithmetic). */
function boldable(pieces: Piece[]): boolean {
  if (pieces.length === 0) return false;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (first.type === "text" && /^\s/.test(first.text)) return false;
  if (last.type === "text" && /\s$/.test(last.text)) return false;
  return true;
}

function merged(inlines: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const inline of inlines) {
    const previous = out[out.length - 1];
    if (inline.type === "text" && previous?.type === "text") out[out.length - 1] = { type: "text", text: previous.text + inline.text };
    else if (inline.type !== "text" || inline.text) out.push(inline);
  }
  return out;
}

/** The inline tokens of one paragraph or list item. Code spans are taken first, so `**` inside
 *  one is code; bold may hold code spans. Unpaired markers are kept as text. */
export function parseInline(text: string): Inline[] {
  const pieces: Piece[] = [];
  for (const span of codeSpans(text)) {
    if (span.type !== "text") {
      pieces.push(span);
      continue;
    }
    span.text.split("**").forEach((part, index) => {
      if (index > 0) pieces.push({ type: "marker" });
      if (part) pieces.push({ type: "text", text: part });
    });
  }
  const out: Inline[] = [];
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index];
    if (piece.type !== "marker") {
      out.push(piece);
      continue;
    }
    const close = pieces.findIndex((candidate, at) => at > index && candidate.type === "marker");
    const inside = close < 0 ? [] : (pieces.slice(index + 1, close) as Inline[]);
    if (close >= 0 && boldable(inside)) {
      out.push({ type: "bold", children: merged(inside) });
      index = close;
    } else {
      out.push({ type: "text", text: "**" });
    }
  }
  return merged(out);
}

function inlineText(inlines: Inline[]): string {
  return inlines.map((inline) => (inline.type === "bold" ? inlineText(inline.children) : inline.text)).join("");
}

/** The first paragraph (or list item) of `text` as plain text, without markup: for places that
 *  can only hold plain text, like a select's options. */
export function summary(text: string): string {
  const first = parseMarkdown(text)[0];
  if (!first) return "";
  return inlineText(first.type === "paragraph" ? first.children : first.items[0]);
}
