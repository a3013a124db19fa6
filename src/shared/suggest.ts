/** Optimal string alignment distance (Levenshtein plus adjacent transpositions, as git uses). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * Names close to one that was not found, best first, at most `max`: within a third of its length
 * in edits (at least one), as git's "did you mean". A candidate whose other name is what was typed
 * (the schema `org_acme_corp` typed for the slug `acme-corp`) comes first.
 */
export function closeMatches(
  input: string,
  candidates: Iterable<string>,
  opts: { max?: number; alias?: (candidate: string) => string } = {},
): string[] {
  const typed = input.toLowerCase();
  const limit = Math.max(1, Math.floor(typed.length / 3));
  const scored: { name: string; d: number }[] = [];
  for (const name of candidates) {
    if (opts.alias?.(name) === typed) {
      scored.push({ name, d: 0 });
      continue;
    }
    // Cheap bound first: lengths alone already differ by more than the limit.
    if (Math.abs(name.length - typed.length) > limit) continue;
    const d = editDistance(typed, name);
    if (d <= limit && d > 0) scored.push({ name, d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, opts.max ?? 3)
    .map((s) => s.name);
}
