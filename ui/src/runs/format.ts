// How the runs pane shows amounts: pure functions, tested beside.

/** Bytes for people: "–" for none, then B, KB or MB (powers of 1000, like the CLI). */
export function formatBytes(bytes: number): string {
  if (bytes === 0) return "–";
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Milliseconds as "850 ms" below a second, "1.2 s" from there. */
export function formatMilliseconds(milliseconds: number): string {
  return milliseconds < 1000 ? `${milliseconds} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}
