/**
 * "Did you mean" suggestions for misspelt keys and values: the closest candidate by edit distance
 * (case-insensitive), when it is close enough to be a plausible typo.
 */

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The candidate closest to `word`, if within a typo's reach (1 edit for short words, up to 3 for long ones). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const folded = word.toLowerCase();
  const reach = Math.min(3, Math.max(1, Math.floor(word.length / 4)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance <= reach && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
