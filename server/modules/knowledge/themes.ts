import { topicWords } from './words.ts';

export type Theme = { words: string[]; count: number; examples: string[] };

/**
 * Free-text answers grouped into themes, explainably: the word most answers share makes a theme (with the word that
 * comes with it in at least half of them), its answers leave the pool, and so on — each theme shows its words and
 * up to three answers. Words of fewer than two answers make no theme.
 */
export function themesOf(answers: readonly string[], limit = 8): Theme[] {
  let pool = answers.map((text) => ({ text, words: new Set(topicWords(text)) })).filter((a) => a.words.size > 0);
  const themes: Theme[] = [];
  while (themes.length < limit && pool.length > 0) {
    const df = new Map<string, number>();
    for (const a of pool) for (const w of a.words) df.set(w, (df.get(w) ?? 0) + 1);
    const [top, count] = [...df].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0] ?? ['', 0];
    if (count < 2) break;
    const members = pool.filter((a) => a.words.has(top));
    const co = new Map<string, number>();
    for (const a of members) for (const w of a.words) if (w !== top) co.set(w, (co.get(w) ?? 0) + 1);
    const [second, together] = [...co].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0] ?? ['', 0];
    themes.push({
      words: together * 2 >= members.length && together >= 2 ? [top, second] : [top],
      count: members.length,
      examples: members.slice(0, 3).map((a) => a.text),
    });
    pool = pool.filter((a) => !a.words.has(top));
  }
  return themes;
}
