/**
 * Sentiment of Chinese and English text that runs here, without a hosted model, and explains itself: a lexicon of
 * opinion words with weights, negators that flip the word after them (不好, not good), intensifiers that strengthen
 * it (很好, very good), and a contrast word (但是, but) after which the clause counts more. The result names the words
 * that decided it.
 */
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

const POSITIVE: Record<string, number> = {
  // zh
  好: 1,
  好用: 2,
  好看: 2,
  好评: 2,
  不错: 2,
  满意: 2,
  喜欢: 2,
  推荐: 2,
  值得: 1.5,
  划算: 2,
  实惠: 2,
  便宜: 1,
  快: 1,
  很快: 2,
  及时: 1.5,
  耐心: 2,
  热情: 2,
  贴心: 2,
  精美: 2,
  漂亮: 2,
  舒服: 2,
  舒适: 2,
  正品: 1.5,
  完美: 3,
  棒: 2,
  赞: 2,
  惊喜: 2,
  回购: 2,
  超值: 2,
  给力: 2,
  靠谱: 2,
  专业: 1.5,
  细心: 1.5,
  开心: 2,
  感谢: 1.5,
  谢谢: 1,
  优秀: 2,
  合适: 1,
  清晰: 1,
  新鲜: 1.5,
  // en
  good: 1.5,
  great: 2,
  excellent: 3,
  love: 2.5,
  loved: 2.5,
  like: 1,
  liked: 1,
  perfect: 3,
  amazing: 3,
  awesome: 3,
  fast: 1.5,
  quick: 1.5,
  helpful: 2,
  recommend: 2,
  recommended: 2,
  happy: 2,
  nice: 1.5,
  beautiful: 2,
  comfortable: 2,
  worth: 1.5,
  satisfied: 2,
  thanks: 1,
  thank: 1,
  friendly: 2,
  best: 2.5,
  fantastic: 3,
  pleased: 2,
  smooth: 1.5,
};
const NEGATIVE: Record<string, number> = {
  // zh
  差: 2,
  很差: 3,
  差评: 3,
  失望: 2.5,
  垃圾: 3,
  慢: 1.5,
  太慢: 2.5,
  破损: 2.5,
  破: 1.5,
  坏: 2,
  坏了: 2.5,
  假货: 3,
  假: 2,
  骗: 3,
  骗子: 3,
  退款: 1,
  退货: 1,
  投诉: 2.5,
  难用: 2.5,
  难看: 2,
  贵: 1,
  太贵: 2,
  不值: 2,
  后悔: 2.5,
  糟糕: 3,
  生气: 2.5,
  气死: 3,
  敷衍: 2.5,
  态度差: 3,
  漏发: 2.5,
  错发: 2.5,
  发错: 2.5,
  少件: 2.5,
  掉色: 2,
  起球: 2,
  异味: 2,
  过期: 2.5,
  不满: 2.5,
  无语: 2,
  问题: 1,
  麻烦: 1.5,
  拖: 1,
  没人: 1.5,
  不理: 2,
  恶心: 3,
  // en
  bad: 2,
  terrible: 3,
  awful: 3,
  horrible: 3,
  worst: 3,
  poor: 2,
  slow: 1.5,
  broken: 2.5,
  damaged: 2.5,
  fake: 3,
  scam: 3,
  disappointed: 2.5,
  disappointing: 2.5,
  refund: 1,
  hate: 2.5,
  hated: 2.5,
  rude: 2.5,
  late: 1.5,
  never: 1,
  wrong: 2,
  missing: 2,
  expensive: 1,
  useless: 2.5,
  angry: 2.5,
  complaint: 2,
  problem: 1,
  issue: 1,
  waste: 2.5,
  cheap: 0.5,
};
const NEGATORS = new Set([
  '不',
  '没',
  '没有',
  '不是',
  '别',
  '无',
  '未',
  '并不',
  '一点也不',
  'not',
  'no',
  "don't",
  'dont',
  "didn't",
  "isn't",
  "wasn't",
  'never',
  'hardly',
  "doesn't",
  "aren't",
]);
const INTENSIFIERS = new Set([
  '很',
  '非常',
  '太',
  '特别',
  '超',
  '真',
  '真的',
  '十分',
  '极其',
  '好',
  'very',
  'really',
  'so',
  'extremely',
  'super',
  'too',
]);
const CONTRASTS = new Set(['但是', '但', '不过', '可是', '然而', 'but', 'however', 'though']);

export type Sentiment = { score: number; label: 'positive' | 'neutral' | 'negative'; words: { word: string; weight: number }[] };

const weightOf = (word: string) => POSITIVE[word] ?? (NEGATIVE[word] !== undefined ? -NEGATIVE[word] : undefined);
const NEGATED_PREFIX = /^(不|没有|没|无|未)(.+)$/;
const INTENSIFIED_PREFIX = /^(非常|特别|十分|很|太|超|真)(.+)$/;

/**
 * The longest lexicon word (of up to three tokens) starting at token i; a Chinese word the segmenter kept whole with
 * its negator (不好, 没用) counts as the word negated, with its intensifier (很好) as the word strengthened.
 */
function lexiconAt(tokens: readonly string[], i: number, latin: boolean): { word: string; weight: number; span: number } | null {
  for (let span = Math.min(3, tokens.length - i); span >= 1; span--) {
    const word = tokens.slice(i, i + span).join(latin ? ' ' : '');
    const weight = weightOf(word);
    if (weight !== undefined) return { word, weight, span };
  }
  if (latin) return null;
  const negated = NEGATED_PREFIX.exec(tokens[i]);
  const inner = negated ? weightOf(negated[2]) : undefined;
  if (inner !== undefined) return { word: tokens[i], weight: inner > 0 ? -inner : -inner * 0.5, span: 1 };
  const intensified = INTENSIFIED_PREFIX.exec(tokens[i]);
  const strong = intensified ? weightOf(intensified[2]) : undefined;
  return strong === undefined ? null : { word: tokens[i], weight: strong * 1.5, span: 1 };
}

export function sentimentOf(text: string): Sentiment {
  const tokens = [...segmenter.segment(text.normalize('NFKC').toLowerCase())]
    .filter((s) => s.isWordLike || /[,，.。!！?？;；]/.test(s.segment))
    .map((s) => s.segment);
  const words: Sentiment['words'] = [];
  let score = 0;
  let clauseWeight = 1;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (CONTRASTS.has(tok)) {
      // What came before the contrast counts half; what follows it, one and a half.
      score *= 0.5;
      for (const w of words) w.weight *= 0.5;
      clauseWeight = 1.5;
      continue;
    }
    const latin = /^[a-z']+$/.test(tok);
    const hit = lexiconAt(tokens, i, latin);
    if (!hit) continue;
    const before = tokens.slice(Math.max(0, i - (latin ? 3 : 2)), i);
    const boundary = before.findLastIndex((t) => /[,，.。!！?？;；]/.test(t));
    const near = boundary >= 0 ? before.slice(boundary + 1) : before;
    let weight = hit.weight * clauseWeight;
    if (near.some((t) => INTENSIFIERS.has(t)) && !(tok === '好' && hit.span === 1 && near.at(-1) === '好')) weight *= 1.5;
    const negated = near.some((t) => NEGATORS.has(t));
    if (negated) weight = -weight * (weight > 0 ? 1 : 0.5);
    const word = negated ? `${near.find((t) => NEGATORS.has(t))}${latin ? ' ' : ''}${hit.word}` : hit.word;
    words.push({ word, weight: Math.round(weight * 100) / 100 });
    score += weight;
    i += hit.span - 1;
  }
  const rounded = Math.round(score * 100) / 100;
  return { score: rounded, label: rounded >= 1 ? 'positive' : rounded <= -1 ? 'negative' : 'neutral', words };
}
