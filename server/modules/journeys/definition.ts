import { type JourneyDefinition, type JourneyStep, holds, nextOf } from '../../../contracts/journeys.ts';
import type { Db } from '../../db/index.ts';
import { AppError } from '../../platform/errors.ts';
import { listAttributes } from '../customers/index.ts';
import { couponTemplatesExisting } from '../loyalty/index.ts';
import { surveysOpen } from '../surveys/index.ts';
import { templateExists } from '../messaging/index.ts';
import { type ruleClockOf, checkRules } from '../segments/index.ts';

export const journeyErrors = {
  notFound: (id: number | string) => new AppError('JOURNEY_NOT_FOUND', 'not_found', `Journey ${id} does not exist.`),
  keyTaken: (key: string) => new AppError('JOURNEY_KEY_TAKEN', 'conflict', `A journey with key "${key}" exists.`),
  notActive: (id: number) => new AppError('JOURNEY_NOT_ACTIVE', 'conflict', `Journey ${id} is not active.`),
  runNotFound: (id: number) => new AppError('JOURNEY_RUN_NOT_FOUND', 'not_found', `Journey run ${id} does not exist.`),
  invalid: (problems: { step: string | null; problem: string }[]) =>
    new AppError('JOURNEY_INVALID', 'invalid', `The journey cannot be published: ${problems.map((p) => p.problem).join('; ')}.`, {
      problems,
    }),
};

/**
 * What stops a definition from being published: ids twice, a branch to a step that does not exist, steps nothing
 * leads to, a loop with no wait in it (a run would spin), a message without a template, rules that do not compile,
 * a segment trigger on a segment that does not exist, an attribute step on an attribute that does not exist.
 */
export async function problemsOf(
  db: Db,
  d: JourneyDefinition,
  clock: Awaited<ReturnType<typeof ruleClockOf>>,
): Promise<{ step: string | null; problem: string }[]> {
  const problems: { step: string | null; problem: string }[] = [];
  const byId = new Map<string, JourneyStep>();
  for (const s of d.steps) {
    if (byId.has(s.id)) problems.push({ step: s.id, problem: `step id "${s.id}" is used twice` });
    byId.set(s.id, s);
  }
  if (!byId.has(d.start)) problems.push({ step: null, problem: `the start step "${d.start}" does not exist` });
  for (const s of d.steps)
    for (const n of nextOf(s))
      if (n !== null && !byId.has(n)) problems.push({ step: s.id, problem: `"${s.id}" leads to "${n}", which does not exist` });
  // Reachable steps (everything from the start) and loops that never wait (a cycle once a wait's way out is cut).
  const reached = new Set<string>();
  const queue = byId.has(d.start) ? [d.start] : [];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const n of nextOf(byId.get(id)!)) if (n !== null && byId.has(n)) queue.push(n);
  }
  for (const s of d.steps) if (!reached.has(s.id)) problems.push({ step: s.id, problem: `nothing leads to "${s.id}"` });
  const state = new Map<string, 'open' | 'done'>();
  const spins = (id: string): boolean => {
    if (state.get(id) === 'open') return true;
    if (state.get(id) === 'done') return false;
    state.set(id, 'open');
    const s = byId.get(id)!;
    const found = !holds(s) && nextOf(s).some((n) => n !== null && byId.has(n) && spins(n));
    state.set(id, 'done');
    return found;
  };
  for (const s of d.steps) if (spins(s.id)) problems.push({ step: s.id, problem: `"${s.id}" is in a loop without a wait` });
  const templates = d.steps.flatMap((s) => (s.type === 'message' ? [s.template] : []));
  const known = await templateExists(db, templates);
  for (const s of d.steps)
    if (s.type === 'message' && !known.has(s.template))
      problems.push({ step: s.id, problem: `the message template "${s.template}" does not exist` });
  const coupons = await couponTemplatesExisting(
    db,
    d.steps.flatMap((s) => (s.type === 'coupon' ? [s.templateId] : [])),
  );
  for (const s of d.steps)
    if (s.type === 'coupon' && !coupons.has(s.templateId))
      problems.push({ step: s.id, problem: `the coupon template ${s.templateId} does not exist or is archived` });
  const surveys = await surveysOpen(
    db,
    d.steps.flatMap((s) => (s.type === 'survey' ? [s.surveyId] : [])),
  );
  for (const s of d.steps)
    if (s.type === 'survey' && !surveys.has(s.surveyId))
      problems.push({ step: s.id, problem: `the survey ${s.surveyId} does not exist or is not open` });
  if (d.steps.some((s) => s.type === 'attribute')) {
    const defined = new Set((await listAttributes(db)).map((a) => a.key));
    for (const s of d.steps)
      if (s.type === 'attribute' && !defined.has(s.key)) problems.push({ step: s.id, problem: `the attribute "${s.key}" does not exist` });
  }
  for (const [step, rules] of [
    [null, d.entryRules] as const,
    ...d.steps.flatMap((s) => (s.type === 'condition' ? [[s.id, s.rules] as const] : [])),
  ]) {
    if (!rules) continue;
    try {
      await checkRules(db, rules, clock, null);
    } catch (err) {
      problems.push({ step, problem: (err as Error).message });
    }
  }
  if (d.trigger.type === 'holiday' && d.trigger.holiday === 'custom' && !d.trigger.date)
    problems.push({ step: null, problem: 'a custom day needs its date (MM-DD)' });
  if (d.trigger.type === 'segment') {
    const segment = await db.selectFrom('segments').select('id').where('id', '=', d.trigger.segmentId).executeTakeFirst();
    if (!segment) problems.push({ step: null, problem: `segment ${d.trigger.segmentId} does not exist` });
  }
  return problems;
}
