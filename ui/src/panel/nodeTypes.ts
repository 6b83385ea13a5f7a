// Node types the studio knows: the closest one to a misspelled type, so an imported flow with a
// typo (`filtr`) can be fixed with one click.

/** Edits (insert, delete, replace one character) that turn `a` into `b`. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, replace));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known type nearest to `type` (a third of its length or fewer edits away), if any. */
export function closestType(type: string, known: string[]): string | null {
  let best: { type: string; edits: number } | null = null;
  for (const candidate of known) {
    const edits = distance(type.toLowerCase(), candidate.toLowerCase());
    if (edits <= Math.max(1, Math.floor(type.length / 3)) && (!best || edits < best.edits)) {
      best = { type: candidate, edits };
    }
  }
  return best?.type ?? null;
}
