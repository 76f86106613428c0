/**
 * Words for search in any language, without a native dependency: Intl.Segmenter cuts Chinese (which has no spaces)
 * into words, and each run of Han characters also gives its overlapping pairs — the segmenter splits 退货 into 退 and
 * 货 in one sentence and keeps it whole in another, and the pairs make both meet. Latin words are lower-cased.
 * The same function cuts the articles when they are saved and the questions when they are asked.
 */
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN_RUN = /\p{Script=Han}+/gu;

/** Words too common to say what a question is about (they still match; they do not count towards confidence). */
const STOP = new Set(
  (
    '的 了 吗 呢 吧 啊 是 我 你 您 他 她 它 在 有 和 与 或 就 都 也 要 会 能 可以 怎么 怎样 如何 什么 为什么 哪 哪里 请问 一下 这个 那个 我的 你们 ' +
    'a an the is are was were be to of in on at for and or my your our i you we it do does did how what why when where can could should would please with this that'
  )
    .split(' ')
    .filter(Boolean),
);

/** The distinct search terms of a text: its words, and the character pairs of its Han runs. */
export function termsOf(text: string): string[] {
  const terms = new Set<string>();
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!s.isWordLike) continue;
    for (const w of s.segment.split(/[^\p{L}\p{N}]+/u)) if (w) terms.add(w);
  }
  for (const run of text.match(HAN_RUN) ?? []) for (let i = 0; i + 1 < run.length; i++) terms.add(run.slice(i, i + 2));
  return [...terms];
}

/** The terms that say what a question is about (all of them when every one is a common word). */
export function keyTerms(text: string): string[] {
  const all = termsOf(text);
  const key = all.filter((t) => !STOP.has(t));
  return key.length > 0 ? key : all;
}

/** A text as the space-separated terms PostgreSQL's `simple` configuration indexes one by one. */
export const indexText = (text: string) => termsOf(text).join(' ');

/** A tsquery matching any of the terms (each quoted; terms hold only letters and digits). */
export const anyOf = (terms: readonly string[]) => terms.map((t) => `'${t}'`).join(' | ');

/**
 * The words of a text that can name a topic: the segmenter's words of two or more characters (Latin: three), not
 * common ones; single Han characters the segmenter left side by side (退|货) are joined back into one word.
 */
export function topicWords(text: string): string[] {
  const out: string[] = [];
  let run = '';
  const flush = () => {
    if (run.length >= 2 && run.length <= 4) out.push(run);
    run = '';
  };
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    const w = s.segment;
    if (!s.isWordLike || STOP.has(w)) {
      flush();
      continue;
    }
    if (/^\p{Script=Han}$/u.test(w)) {
      run += w;
      continue;
    }
    flush();
    if (/\p{Script=Han}/u.test(w) ? w.length >= 2 : w.length >= 3) out.push(w);
  }
  flush();
  return [...new Set(out)];
}
