import type { AnswerValue, SurveyQuestion } from '../../../contracts/surveys.ts';

/** Answers by question id; null: an optional question passed over. */
export type Answers = Record<string, AnswerValue | null>;

/** The scores a scale question takes. */
export function scaleOf(q: SurveyQuestion): [number, number] | null {
  switch (q.type) {
    case 'nps':
      return [0, 10];
    case 'csat':
      return [1, 5];
    case 'ces':
      return [1, 7];
    case 'rating':
      return [1, q.scale];
    default:
      return null;
  }
}

function matches(rule: SurveyQuestion['skip'][number], value: AnswerValue | null): boolean {
  if (value === null) return false;
  const values = Array.isArray(value) ? value : typeof value === 'object' ? [] : [String(value)];
  if (rule.in && !rule.in.some((x) => values.includes(x))) return false;
  if ((rule.min !== undefined || rule.max !== undefined) && typeof value !== 'number') return false;
  if (rule.min !== undefined && (value as number) < rule.min) return false;
  if (rule.max !== undefined && (value as number) > rule.max) return false;
  return true;
}

/**
 * The respondent's way through the survey given their answers: the questions they were shown, in order, and the
 * next one to answer (null: they are done). Skip rules of an answered question choose where to go; a question
 * jumped over is not on the way, and its stale answer does not count.
 */
export function walk(questions: readonly SurveyQuestion[], answers: Answers): { path: string[]; next: string | null } {
  const path: string[] = [];
  let i = 0;
  while (i < questions.length) {
    const q = questions[i];
    path.push(q.id);
    if (!(q.id in answers)) return { path: path.slice(0, -1), next: q.id };
    const rule = q.skip.find((r) => matches(r, answers[q.id]));
    if (rule?.goTo === 'end') return { path, next: null };
    const to = rule ? questions.findIndex((x) => x.id === rule.goTo) : -1;
    i = to > i ? to : i + 1;
  }
  return { path, next: null };
}

export type AnswerProblem = 'required' | 'invalid';

/**
 * An answer as the form sent it (strings from a POST), checked and typed for the question: a score within its scale,
 * a key of its choices, a score per matrix row, text within its length. Null for an optional question left empty.
 */
export function readAnswer(q: SurveyQuestion, form: Record<string, string | string[] | undefined>): AnswerValue | null | AnswerProblem {
  const one = (k: string) => {
    const v = form[k];
    return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
  };
  const scale = scaleOf(q);
  if (scale) {
    const raw = one('value');
    if (raw === '') return q.required ? 'required' : null;
    const n = Number(raw);
    return Number.isInteger(n) && n >= scale[0] && n <= scale[1] ? n : 'invalid';
  }
  switch (q.type) {
    case 'single': {
      const raw = one('value');
      if (raw === '') return q.required ? 'required' : null;
      return q.choices.some((c) => c.key === raw) ? raw : 'invalid';
    }
    case 'multiple': {
      const raw = form.value;
      const picked = (Array.isArray(raw) ? raw : raw ? [raw] : []).map((x) => x.trim()).filter(Boolean);
      if (picked.length === 0) return q.required ? 'required' : null;
      return picked.every((p) => q.choices.some((c) => c.key === p)) ? [...new Set(picked)] : 'invalid';
    }
    case 'matrix': {
      const out: Record<string, number> = {};
      for (const row of q.rows) {
        const raw = one(`row_${row.key}`);
        if (raw === '') continue;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1 || n > q.scale) return 'invalid';
        out[row.key] = n;
      }
      if (Object.keys(out).length === 0) return q.required ? 'required' : null;
      return q.required && Object.keys(out).length < q.rows.length ? 'required' : out;
    }
    case 'text': {
      const raw = one('value');
      if (raw === '') return q.required ? 'required' : null;
      return raw.length <= q.maxLength ? raw : 'invalid';
    }
    default:
      return 'invalid';
  }
}

/** The NPS bucket of a 0–10 score. */
export const npsBucket = (score: number) => (score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor');

/**
 * The NPS of these scores (promoters − detractors, in points) with its 95% interval: the difference of two
 * proportions of one multinomial sample, variance (p + d − (p − d)²) / n.
 */
export function npsOf(scores: readonly number[]) {
  const n = scores.length;
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  if (n === 0) return null;
  const p = promoters / n;
  const d = detractors / n;
  const score = (p - d) * 100;
  const half = 1.96 * Math.sqrt((p + d - (p - d) ** 2) / n) * 100;
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    score: round(score),
    interval: { low: round(Math.max(-100, score - half)), high: round(Math.min(100, score + half)) },
    promoters,
    passives: n - promoters - detractors,
    detractors,
    answers: n,
  };
}
