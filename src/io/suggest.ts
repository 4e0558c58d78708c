/** "Did you mean …?": the closest candidate by edit distance, when it is close enough. Pure. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const w = word.toLowerCase();
    const k = c.toLowerCase();
    // "hostname" for "host": a word that starts with a candidate (or is its start) is a near miss however long.
    const d = w.length >= 3 && k.length >= 3 && (w.startsWith(k) || k.startsWith(w)) ? 0 : distance(w, k);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) + 1 ? best : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
