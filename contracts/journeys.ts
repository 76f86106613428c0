import { z } from 'zod';
import { RETURN_STATES } from './returns.ts';
import { pageOf, pageQuery } from './common.ts';
import { ROLES } from './permissions.ts';
import { ruleGroup } from './segments.ts';
import { TICKET_PRIORITIES, TICKET_TYPES } from './service.ts';

/**
 * A journey: a trigger that lets people in, steps they go through (waits, conditions, messages…), a goal that lets
 * them out early. What a run follows is a published version: editing a journey never changes a run under way.
 */
const stepId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, dashes, underscores');
/** The step after this one; null ends the run (completed). */
const next = stepId.nullable();

export const orderLifecycle = ['placed', 'paid', 'shipped', 'delivered', 'completed', 'cancelled', 'refunded'] as const;

/** Holidays and shopping days a journey can be timed by (their dates: server/modules/journeys/holidays.ts). */
export const holidayKeys = [
  'new_year',
  'spring_festival',
  'lantern_festival',
  'valentines_day',
  'womens_day',
  '520',
  'mothers_day',
  'dragon_boat',
  '618',
  'fathers_day',
  'qixi',
  'mid_autumn',
  'national_day',
  'double_ninth',
  'singles_day',
  'double_twelve',
  'christmas',
] as const;

export const journeyStep = z.discriminatedUnion('type', [
  z.strictObject({ id: stepId, type: z.literal('wait'), minutes: z.number().int().min(1).max(525_600), next }),
  z.strictObject({
    id: stepId,
    type: z.literal('wait_until'),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
      .describe("The next time of day in the customer's time zone (else the store's)"),
    next,
  }),
  z.strictObject({
    id: stepId,
    type: z.literal('wait_event'),
    event: z.string().min(1).max(200).describe('A tracked event name (e.g. Order Completed)'),
    minutes: z.number().int().min(1).max(525_600).describe('How long to wait for it'),
    yes: next.describe('The event came first'),
    no: next.describe('The time ran out first'),
  }),
  z.strictObject({ id: stepId, type: z.literal('condition'), rules: ruleGroup, yes: next, no: next }),
  z.strictObject({
    id: stepId,
    type: z.literal('order_status'),
    statuses: z.array(z.string().min(1).max(40)).min(1).max(10).describe("The run's order is in one of these states now"),
    yes: next,
    no: next,
  }),
  z.strictObject({
    id: stepId,
    type: z.literal('split'),
    branches: z
      .array(z.strictObject({ share: z.number().int().min(1).max(100), next }))
      .min(2)
      .max(5),
  }),
  z.strictObject({
    id: stepId,
    type: z.literal('message'),
    template: z.string().min(2).max(80).describe('A message template key; consent, quiet hours and caps apply when it is sent'),
    next,
  }),
  z
    .strictObject({
      id: stepId,
      type: z.literal('recommend'),
      limit: z.number().int().min(1).max(6).default(3),
      yes: next.describe('There are products to recommend'),
      no: next.describe('None (nothing bought together with what the person bought)'),
    })
    .describe(
      'Finds products bought together with what the person bought (affinity, recency-weighted); later messages print them from {{ recommendations }} (name, sku, category)',
    ),
  z.strictObject({ id: stepId, type: z.literal('tag'), tag: z.string().min(1).max(50), remove: z.boolean().default(false), next }),
  z
    .strictObject({ id: stepId, type: z.literal('coupon'), templateId: z.number().int().positive(), next })
    .describe('Issues the person a code of a loyalty coupon template (once per run); later messages print {{ coupon.code }}'),
  z
    .strictObject({ id: stepId, type: z.literal('survey'), surveyId: z.number().int().positive(), next })
    .describe(
      "Invites the person to an open survey (about the run's order when it has one: one answer per order); later messages print {{ survey_url }}",
    ),
  z.strictObject({
    id: stepId,
    type: z.literal('task'),
    title: z.string().min(1).max(200).describe('A follow-up for staff (回访), e.g. "Call about the late parcel"'),
    note: z.string().max(2000).default(''),
    /** Everyone of a role sees it (service_agent, marketer …), or one user. */
    assignee: z.union([z.strictObject({ role: z.enum(ROLES) }), z.strictObject({ userId: z.number().int().positive() })]),
    dueInHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90),
    next,
  }),
  z
    .strictObject({
      id: stepId,
      type: z.literal('attribute'),
      key: z.string().min(1).max(64).describe('A custom attribute (see /attributes)'),
      value: z
        .union([z.string().max(500), z.number(), z.boolean(), z.null()])
        .describe('Its new value, checked against its type; null removes it'),
      next,
    })
    .describe('Sets a custom attribute on the person (e.g. a campaign flag other journeys and segments read)'),
  z
    .strictObject({
      id: stepId,
      type: z.literal('points'),
      points: z.number().int().min(1).max(1_000_000),
      reason: z.string().min(1).max(200).describe('Shown on the member’s points history'),
      next,
    })
    .describe('Grants loyalty points once per run; a person who is not an active member is passed over (logged)'),
  z
    .strictObject({
      id: stepId,
      type: z.literal('ticket'),
      subject: z.string().min(1).max(200),
      body: z.string().min(1).max(5000).describe("What the agent reads first; the run's order is linked when it has one"),
      ticketType: z.enum(TICKET_TYPES).default('other'),
      priority: z.enum(TICKET_PRIORITIES).default('normal'),
      next,
    })
    .describe('Opens a service ticket for the person once per run (routed, assigned and timed by the desk’s rules)'),
  z
    .strictObject({
      id: stepId,
      type: z.literal('webhook'),
      name: z.string().min(1).max(80).describe('What the receiving system sees as `data.name`'),
      next,
    })
    .describe(
      'Emits the domain event journey.webhook once per run: every webhook endpoint subscribed to it receives a signed POST (retried with backoff)',
    ),
  z.strictObject({ id: stepId, type: z.literal('exit') }),
]);
export type JourneyStep = z.infer<typeof journeyStep>;

/** The steps a step leads to, in its branches' order (null: the run ends there). */
export function nextOf(step: JourneyStep): (string | null)[] {
  switch (step.type) {
    case 'condition':
    case 'order_status':
    case 'wait_event':
    case 'recommend':
      return [step.yes, step.no];
    case 'split':
      return step.branches.map((b) => b.next);
    case 'exit':
      return [];
    default:
      return [step.next];
  }
}

/** Steps that hold a run until later (a loop must pass one). */
export const holds = (step: JourneyStep) => step.type === 'wait' || step.type === 'wait_until' || step.type === 'wait_event';

export const journeyTrigger = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('order'),
    event: z.enum(orderLifecycle),
    /** Orders below this total (minor units) do not enter (a ¥1 sample is no reason to remind anyone). */
    minTotal: z.number().int().min(0).default(0),
    /** Only orders in these states when the event is handled (e.g. still unpaid); empty: any. */
    statuses: z.array(z.string().min(1).max(40)).max(10).default([]),
    /** Events older than this when handled do not enter (a late webhook, an order backfilled through the API). */
    maxAgeHours: z.number().int().min(1).max(720).default(24),
  }),
  z.strictObject({ type: z.literal('segment'), segmentId: z.number().int().positive(), on: z.enum(['entered', 'exited']) }),
  z.strictObject({
    type: z.literal('event'),
    name: z.string().min(1).max(200).describe('The tracked event name (Segment track), e.g. Checkout Started'),
    /** Properties the event must have, compared as text (e.g. {"currency": "CNY"}). */
    properties: z.record(z.string().min(1).max(100), z.union([z.string(), z.number(), z.boolean()])).default({}),
    maxAgeHours: z.number().int().min(1).max(720).default(24),
  }),
  z.strictObject({
    type: z.literal('date'),
    /**
     * Every year on: birthday; first_order (its anniversary); member_since (when the person became a customer);
     * card_opened (开卡: when they joined the loyalty programme); attribute:<key> (a date attribute). Once, on:
     * next_order (the predicted date of the person's next order, from the CLV model).
     */
    field: z.string().regex(/^(birthday|first_order|member_since|card_opened|next_order|attribute:[a-z][a-z0-9_]{0,49})$/),
    /** lunar: the date's month and day in the Chinese calendar, on this year's Gregorian day (农历生日). */
    calendar: z.enum(['gregorian', 'lunar']).default('gregorian'),
    /** Days before (negative) or after the date. */
    offsetDays: z.number().int().min(-60).max(60).default(0),
    /** Time of day in the customer's time zone (else the store's). */
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
      .default('10:00'),
  }),
  z.strictObject({
    type: z.literal('holiday'),
    holiday: z.enum([...holidayKeys, 'custom']),
    /** custom: the store's own day (its anniversary, a member day), MM-DD. */
    date: z
      .string()
      .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/)
      .optional(),
    offsetDays: z.number().int().min(-60).max(60).default(0),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
      .default('10:00'),
  }),
  z.strictObject({
    type: z.literal('return'),
    /** A return or exchange reaching one of these states (requested, approved, resolved …). */
    states: z.array(z.enum(RETURN_STATES)).min(1).max(9),
  }),
  z.strictObject({
    type: z.literal('survey'),
    /** A survey finished (any survey, or this one) with an NPS score in this range: 0–6 detractors, 9–10 promoters. */
    surveyId: z.number().int().positive().nullable().default(null),
    npsMin: z.number().int().min(0).max(10).default(0),
    npsMax: z.number().int().min(0).max(10).default(10),
  }),
  z.strictObject({
    type: z.literal('product'),
    /** A price drop of a product (by at least minDropPercent), or a product out of stock having stock again. */
    on: z.enum(['price_drop', 'back_in_stock']),
    minDropPercent: z.number().int().min(1).max(90).default(5),
    /**
     * Who is told: the people whose tracked events of these names named the product (properties sku or product_id)
     * within the last `withinDays`, and who have not bought it since.
     */
    events: z.array(z.string().min(1).max(200)).min(1).max(5).default(['Product Viewed', 'Product Added']),
    withinDays: z.number().int().min(1).max(90).default(30),
  }),
  z.strictObject({ type: z.literal('manual') }),
]);
export type JourneyTrigger = z.infer<typeof journeyTrigger>;

export const journeyDefinition = z.strictObject({
  trigger: journeyTrigger,
  /** Who may enter, checked at the trigger (a segment rule on the person at that moment); none: everyone. */
  entryRules: ruleGroup.nullable().default(null),
  reentry: z
    .strictObject({ policy: z.enum(['every', 'once', 'cooldown']), days: z.number().int().min(1).max(3650).optional() })
    .default({ policy: 'every' }),
  /** Ends a run early: the run's own order reaching this state (payment ends 催付), or any new order (win-back). */
  goal: z
    .strictObject({ type: z.enum(['order_event', 'any_order']), event: z.enum(orderLifecycle).optional() })
    .nullable()
    .default(null),
  start: stepId,
  steps: z.array(journeyStep).min(1).max(100),
});
export type JourneyDefinition = z.infer<typeof journeyDefinition>;

export const journeyStatuses = ['draft', 'active', 'paused'] as const;

export const journeyBody = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,79}$/),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  definition: journeyDefinition,
});

export const journeyView = z.object({
  id: z.number().int(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(journeyStatuses),
  /** The draft being edited (published when activated). */
  definition: journeyDefinition,
  version: z.number().int().nullable().describe('The published version new runs follow'),
  library: z.string().nullable().describe('The shipped journey this one came from'),
  counts: z.object({ waiting: z.number().int(), completed: z.number().int(), exited: z.number().int(), failed: z.number().int() }),
  updatedAt: z.string(),
  /** Per step (GET /journeys/:id only): runs that took it, runs waiting to take it next, errors it raised. */
  steps: z.record(z.string(), z.object({ taken: z.number().int(), waiting: z.number().int(), errors: z.number().int() })).optional(),
  /**
   * What its messages earned (GET /journeys/:id only), by the campaigns' last-touch attribution: people sent a
   * message, those of them with an order credited to one, the orders and their net paid revenue in minor units; the
   * same per message step; and the orders the runs were about that were paid after their reminder.
   */
  earned: z
    .object({
      reached: z.number().int(),
      converted: z.number().int(),
      orders: z.number().int(),
      revenue: z.number().int(),
      steps: z.record(z.string(), z.object({ sent: z.number().int(), orders: z.number().int(), revenue: z.number().int() })),
      /** The orders runs were about (催付, order care) paid after a message of their run was sent, and their net paid. */
      recovered: z.object({ orders: z.number().int(), revenue: z.number().int() }),
    })
    .optional(),
});
export const journeyList = z.object({ items: z.array(journeyView) });

export const runStatuses = ['waiting', 'completed', 'exited', 'failed'] as const;
export const journeyRunView = z.object({
  id: z.number().int(),
  journeyId: z.number().int(),
  journey: z.string(),
  version: z.number().int(),
  customerId: z.number().int(),
  status: z.enum(runStatuses),
  step: z.string().nullable().describe('The step a waiting run does next'),
  dueAt: z.string().nullable(),
  exitReason: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  log: z.array(
    z.object({
      step: z.string(),
      type: z.string(),
      at: z.string(),
      outcome: z.record(z.string(), z.unknown()),
    }),
  ),
});
export const journeyRunQuery = z.strictObject({
  ...pageQuery,
  customerId: z.coerce.number().int().positive().optional(),
  status: z.enum(runStatuses).optional(),
});
export const journeyRunPage = pageOf(journeyRunView);
export const enterBody = z.strictObject({
  customerIds: z.array(z.number().int().positive()).min(1).max(1000),
  /** Makes the call idempotent: the same key for the same person enters once. */
  key: z.string().min(1).max(100),
});
export const enterResult = z.object({ entered: z.number().int(), skipped: z.number().int() });
export const dryRunResult = z.object({
  days: z.number().int(),
  wouldEnter: z.number().int().describe('People the trigger and entry rules would have let in over the period'),
});

export const taskStatuses = ['open', 'done', 'cancelled'] as const;
export const taskView = z.object({
  id: z.number().int(),
  customerId: z.number().int(),
  customerName: z.string().nullable(),
  journeyId: z.number().int().nullable(),
  journey: z.string().nullable(),
  title: z.string(),
  note: z.string(),
  assignee: z.object({ userId: z.number().int().nullable(), role: z.string().nullable() }),
  dueAt: z.string(),
  status: z.enum(taskStatuses),
  outcome: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  completedBy: z.string().nullable(),
});
export const taskQuery = z.strictObject({
  ...pageQuery,
  status: z.enum(taskStatuses).default('open'),
  mine: z.enum(['true', 'false']).default('true').describe('Only tasks assigned to me or to my role'),
  customerId: z.coerce.number().int().positive().optional(),
});
export const taskPage = pageOf(taskView);
export const completeTaskBody = z.strictObject({
  status: z.enum(['done', 'cancelled']).default('done'),
  outcome: z.string().trim().min(1).max(2000).describe('What came of it (the call, the answer)'),
});
