import { z } from 'zod';
import { pageOf, pageQuery } from './common.ts';

/** The service desk: tickets from every channel, their conversation, SLAs and CSAT. */

export const TICKET_TYPES = ['pre_sale', 'order', 'after_sale', 'complaint', 'other'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export const TICKET_CHANNELS = ['email', 'chat', 'form', 'api', 'sms'] as const;
export const ticketType = z.enum(TICKET_TYPES);
export const ticketPriority = z.enum(TICKET_PRIORITIES);
export const ticketStatus = z.enum(TICKET_STATUSES);
export const ticketChannel = z.enum(TICKET_CHANNELS);
export type TicketType = z.infer<typeof ticketType>;
export type TicketPriority = z.infer<typeof ticketPriority>;
export type TicketStatus = z.infer<typeof ticketStatus>;
export type TicketChannel = z.infer<typeof ticketChannel>;

const key = z.string().regex(/^[a-z0-9_-]{1,32}$/, 'lower-case letters, digits, - and _ (at most 32)');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
const tag = z.string().trim().min(1).max(50);

/** Working hours of a day, local time. */
export const workWindow = z.object({ start: hhmm, end: hhmm }).refine((w) => w.start < w.end, 'start before end');
const OFFICE = [{ start: '09:00', end: '18:00' }];

/**
 * A team's business hours: a week of windows (index 0 = Sunday), in a time zone, less a country's public holidays.
 * `CN` follows the State Council's calendar with its 调休: a make-up Saturday is a working day (with Monday's hours).
 */
export const businessCalendar = z.object({
  timeZone: z.string().min(1).max(64).default('Asia/Shanghai'),
  holidays: z
    .string()
    .regex(/^[A-Z]{2}$/, 'a country code such as CN, US, DE')
    .nullable()
    .default('CN'),
  week: z.array(z.array(workWindow).max(4)).length(7).default([[], OFFICE, OFFICE, OFFICE, OFFICE, OFFICE, []]),
});
export type BusinessCalendar = z.infer<typeof businessCalendar>;

export const serviceQueue = z.object({
  key,
  name: z.string().trim().min(1).max(60),
  /** Agents (user ids) who answer this queue; round robin picks among those online. */
  agentIds: z.array(z.number().int().positive()).max(500).default([]),
  leadId: z.number().int().positive().nullable().default(null),
  assignment: z.enum(['manual', 'round_robin']).default('round_robin'),
  /** Tickets of these types land in this queue when nothing else says. */
  types: z.array(ticketType).default([]),
  calendar: businessCalendar.default(businessCalendar.parse({})),
});
export type ServiceQueue = z.infer<typeof serviceQueue>;

/** Targets in minutes (of business hours unless `businessHours` is off); null: no target for that metric. */
export const slaPolicy = z.object({
  key,
  name: z.string().trim().min(1).max(60),
  /** The first policy (in order) whose lists all match (an empty list matches anything) applies to a ticket. */
  priorities: z.array(ticketPriority).default([]),
  types: z.array(ticketType).default([]),
  channels: z.array(ticketChannel).default([]),
  firstReplyMinutes: z.number().int().positive().max(525_600).nullable().default(null),
  nextReplyMinutes: z.number().int().positive().max(525_600).nullable().default(null),
  resolutionMinutes: z.number().int().positive().max(525_600).nullable().default(null),
  businessHours: z.boolean().default(true),
});
export type SlaPolicy = z.infer<typeof slaPolicy>;

/** A canned reply (LiquidJS over `customer`, `ticket` and `agent`) with actions applied with it. */
export const macro = z.object({
  key,
  name: z.string().trim().min(1).max(60),
  body: z.string().max(10_000).default(''),
  status: ticketStatus.nullable().default(null),
  addTags: z.array(tag).max(10).default([]),
  priority: ticketPriority.nullable().default(null),
  assignToSelf: z.boolean().default(false),
});
export type Macro = z.infer<typeof macro>;

const DEFAULT_POLICIES = [
  { key: 'urgent', name: '紧急 / Urgent', priorities: ['urgent'], firstReplyMinutes: 30, nextReplyMinutes: 60, resolutionMinutes: 240 },
  {
    key: 'complaint',
    name: '投诉 / Complaints',
    types: ['complaint'],
    firstReplyMinutes: 60,
    nextReplyMinutes: 120,
    resolutionMinutes: 960,
  },
  { key: 'standard', name: '标准 / Standard', firstReplyMinutes: 240, nextReplyMinutes: 480, resolutionMinutes: 2400 },
];

export const serviceSettings = z.object({
  /** The address customers write to (and replies come from); inbound mail to it becomes tickets. */
  supportAddress: z.email().nullable().default(null),
  /** A customer's reply to a solved ticket within this many days reopens it; later, it starts a new one. */
  reopenDays: z.number().int().min(0).max(90).default(7),
  /** Solved tickets close (final) after this many days. */
  closeAfterDays: z.number().int().min(1).max(90).default(4),
  /** Agents see only the tickets of the queues they answer (and their own). */
  agentsSeeOwnQueuesOnly: z.boolean().default(false),
  calendar: businessCalendar.default(businessCalendar.parse({})),
  queues: z.array(serviceQueue).max(100).default([]),
  policies: z
    .array(slaPolicy)
    .max(100)
    .default(DEFAULT_POLICIES.map((p) => slaPolicy.parse(p))),
  macros: z.array(macro).max(200).default([]),
  csat: z
    .object({
      enabled: z.boolean().default(true),
      /** Hours after a ticket is solved that its survey goes out. */
      delayHours: z.number().min(0).max(720).default(24),
      /**
       * The survey asked (its first CSAT question is the ticket's rating, its first free text the comment); none: the
       * service satisfaction survey Patron keeps. Each ticket gets its own response.
       */
      surveyId: z.number().int().positive().nullable().default(null),
    })
    .default({ enabled: true, delayHours: 24, surveyId: null }),
  /** The share of an SLA target after which the assignee and the queue lead are warned. */
  warnAt: z.number().min(0.1).max(0.99).default(0.75),
  /** The FAQ bot answers chat visitors first and hands the conversation to an agent when it cannot (or is asked to). */
  bot: z.object({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  /** Complaints without an agent's reply this many hours after they came in are escalated (urgent, the queue alerted). */
  complaintEscalationHours: z.number().min(1).max(720).default(4),
  /** What complaints are about: the root-cause report counts them by these keys. */
  complaintCategories: z
    .array(
      z.object({
        key: z.string().regex(/^[a-z0-9_]{1,40}$/),
        names: z.object({ 'zh-CN': z.string().min(1).max(60), en: z.string().min(1).max(60) }),
      }),
    )
    .min(1)
    .max(50)
    .default([
      { key: 'product_quality', names: { 'zh-CN': '商品质量', en: 'Product quality' } },
      { key: 'delivery', names: { 'zh-CN': '物流配送', en: 'Delivery' } },
      { key: 'wrong_item', names: { 'zh-CN': '错发漏发', en: 'Wrong or missing item' } },
      { key: 'service', names: { 'zh-CN': '服务态度', en: 'Service attitude' } },
      { key: 'price', names: { 'zh-CN': '价格与优惠', en: 'Price and promotions' } },
      { key: 'after_sales', names: { 'zh-CN': '售后处理', en: 'After-sales handling' } },
      { key: 'other', names: { 'zh-CN': '其他', en: 'Other' } },
    ]),
});
export type ServiceSettings = z.infer<typeof serviceSettings>;

/** A support mailbox Patron polls over IMAP (unseen mail becomes tickets, then is marked seen). */
export const imapSettingsBody = z.strictObject({
  enabled: z.boolean(),
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(993),
  secure: z.boolean().default(true),
  user: z.string().min(1).max(320),
  /** Write-only: omitted, the stored password stays. */
  password: z.string().min(1).max(500).optional(),
  mailbox: z.string().min(1).max(200).default('INBOX'),
  intervalSeconds: z.number().int().min(15).max(3600).default(60),
});
export const imapSettingsView = z.object({
  configured: z.boolean(),
  enabled: z.boolean().optional(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  secure: z.boolean().optional(),
  user: z.string().optional(),
  hasPassword: z.boolean().optional(),
  mailbox: z.string().optional(),
  intervalSeconds: z.number().int().optional(),
  lastPollAt: z.string().nullable().optional(),
  lastError: z.string().nullable().optional(),
});

const customerRef = z
  .object({
    email: z.string().max(320).optional(),
    phone: z.string().max(40).optional(),
    name: z.string().max(100).optional(),
    externalId: z.object({ channel: z.string().min(1).max(50), id: z.string().min(1).max(200) }).optional(),
  })
  .refine((c) => c.email || c.phone || c.externalId, 'an e-mail, a phone or an external id');

export const createTicketBody = z.strictObject({
  subject: z.string().trim().min(1).max(300),
  body: z.string().trim().min(1).max(50_000),
  type: ticketType.default('other'),
  priority: ticketPriority.default('normal'),
  channel: ticketChannel.default('api'),
  /** Who wrote: found or created through identity resolution. */
  customer: customerRef.optional(),
  customerId: z.number().int().positive().optional(),
  queue: key.optional(),
  tags: z.array(tag).max(20).default([]),
  orderRefs: z.array(z.string().min(1).max(100)).max(20).default([]),
  fields: z.record(z.string().max(50), z.union([z.string().max(1000), z.number(), z.boolean()])).default({}),
  /** Idempotency: a marketplace bridge resending the same conversation creates one ticket. */
  externalId: z.string().min(1).max(200).optional(),
});

export const ticketUpdateBody = z
  .strictObject({
    subject: z.string().trim().min(1).max(300),
    type: ticketType,
    priority: ticketPriority,
    status: ticketStatus,
    queue: key.nullable(),
    assigneeId: z.number().int().positive().nullable(),
    tags: z.array(tag).max(20),
    orderRefs: z.array(z.string().min(1).max(100)).max(20),
    fields: z.record(z.string().max(50), z.union([z.string().max(1000), z.number(), z.boolean()])),
    csatSkip: z.boolean(),
  })
  .partial();
export type TicketUpdate = z.infer<typeof ticketUpdateBody>;

export const bulkUpdateBody = z.strictObject({
  ids: z.array(z.number().int().positive()).min(1).max(500),
  set: ticketUpdateBody.omit({ subject: true, fields: true, tags: true }),
  addTags: z.array(tag).max(20).default([]),
});

export const replyBody = z.strictObject({
  body: z.string().trim().min(1).max(50_000),
  /** `reply` goes to the customer (through messaging, on the ticket's channel); `note` stays internal. */
  kind: z.enum(['reply', 'note']).default('reply'),
  /** The status the ticket takes with this reply (default: pending after a reply, unchanged after a note). */
  status: ticketStatus.optional(),
});

/** A customer's message on an existing ticket (a marketplace bridge, a web form follow-up). */
export const customerMessageBody = z.strictObject({
  body: z.string().trim().min(1).max(50_000),
  externalId: z.string().min(1).max(200).optional(),
});

export const mergeBody = z.strictObject({ into: z.number().int().positive() });
export const splitBody = z.strictObject({
  messageIds: z.array(z.number().int().positive()).min(1).max(200),
  subject: z.string().trim().min(1).max(300),
});

export const TICKET_VIEWS = ['all_open', 'mine', 'unassigned', 'breaching', 'pending', 'solved'] as const;
export const ticketListQuery = z.strictObject({
  view: z.enum(TICKET_VIEWS).default('all_open'),
  status: ticketStatus.optional(),
  type: ticketType.optional(),
  priority: ticketPriority.optional(),
  channel: ticketChannel.optional(),
  queue: key.optional(),
  assigneeId: z.coerce.number().int().positive().optional(),
  customerId: z.coerce.number().int().positive().optional(),
  tag: tag.optional(),
  q: z.string().trim().max(200).optional(),
  ...pageQuery,
});
export type TicketListQuery = z.infer<typeof ticketListQuery>;

export const slaClockView = z.object({
  metric: z.enum(['first_reply', 'next_reply', 'resolution']),
  policy: z.string(),
  targetMinutes: z.number().int(),
  dueAt: z.string().nullable(),
  paused: z.boolean(),
  breachedAt: z.string().nullable(),
  metAt: z.string().nullable(),
  /** Business minutes left (negative past the due time); null when met or paused with nothing left to count. */
  minutesLeft: z.number().nullable(),
});

export const ticketSummary = z.object({
  id: z.number().int(),
  subject: z.string(),
  type: ticketType,
  priority: ticketPriority,
  status: ticketStatus,
  channel: ticketChannel,
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  queue: z.string().nullable(),
  assigneeId: z.number().int().nullable(),
  assigneeName: z.string().nullable(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The nearest SLA due time still running. */
  nextDueAt: z.string().nullable(),
  breached: z.boolean(),
});
export const ticketList = pageOf(ticketSummary);

export const ticketMessageView = z.object({
  id: z.number().int(),
  author: z.enum(['customer', 'agent', 'note', 'system', 'bot']),
  userId: z.number().int().nullable(),
  userName: z.string().nullable(),
  channel: z.string(),
  body: z.string(),
  createdAt: z.string(),
  /** A reply's delivery through messaging (queued, sent, delivered, skipped…). */
  delivery: z.string().nullable(),
  attachments: z.array(z.object({ id: z.number().int(), fileName: z.string(), contentType: z.string(), size: z.number().int() })),
});

export const COMPLAINT_SEVERITIES = ['minor', 'major', 'critical'] as const;
export const COMPENSATION_KINDS = ['none', 'refund', 'points', 'coupon', 'gift', 'other'] as const;
/** A complaint's particulars: how serious, what about, which products, what was done and given. */
export const complaintBody = z.strictObject({
  severity: z.enum(COMPLAINT_SEVERITIES),
  category: z.string().regex(/^[a-z0-9_]{1,40}$/),
  skus: z.array(z.string().trim().min(1).max(100)).max(20).default([]),
  resolution: z.string().max(2000).nullable().default(null),
  compensationKind: z.enum(COMPENSATION_KINDS).nullable().default(null),
  /** Minor units. */
  compensationAmount: z.number().int().min(0).nullable().default(null),
});
export const complaintView = complaintBody.extend({ escalatedAt: z.string().nullable() });

export const ticketView = ticketSummary.extend({
  complaint: complaintView.nullable(),
  orderRefs: z.array(z.string()),
  fields: z.record(z.string(), z.unknown()),
  mergedInto: z.number().int().nullable(),
  slaPolicy: z.string().nullable(),
  csatSkip: z.boolean(),
  firstRepliedAt: z.string().nullable(),
  solvedAt: z.string().nullable(),
  messages: z.array(ticketMessageView),
  sla: z.array(slaClockView),
  csat: z
    .object({ sendAt: z.string(), sentAt: z.string().nullable(), rating: z.number().int().nullable(), comment: z.string().nullable() })
    .nullable(),
  /** Other agents who have this ticket open now (the collision warning). */
  viewers: z.array(z.object({ userId: z.number().int(), name: z.string() })),
});
export type TicketView = z.infer<typeof ticketView>;

export const macroResult = z.object({ draft: z.string(), ticket: ticketView });

export const ticketEventList = z.object({
  items: z.array(z.object({ id: z.number().int(), actor: z.string(), action: z.string(), detail: z.unknown(), at: z.string() })),
});

export const csatAnswerBody = z.strictObject({
  rating: z.coerce.number().int().min(1).max(5),
  comment: z.string().trim().max(2000).optional(),
});

export const reportQuery = z.strictObject({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
const dist = z.object({ count: z.number().int(), medianMinutes: z.number().nullable(), p90Minutes: z.number().nullable() });
export const serviceReport = z.object({
  volume: z.array(z.object({ day: z.string(), channel: z.string(), type: z.string(), tickets: z.number().int() })),
  firstReply: dist,
  resolution: dist,
  sla: z.array(z.object({ policy: z.string(), metric: z.string(), total: z.number().int(), met: z.number().int() })),
  slaByAgent: z.array(z.object({ agentId: z.number().int().nullable(), total: z.number().int(), met: z.number().int() })),
  slaByQueue: z.array(z.object({ queue: z.string().nullable(), total: z.number().int(), met: z.number().int() })),
  /** SLA attainment by the week (Monday, store time zone) the ticket was opened. */
  slaByWeek: z.array(z.object({ week: z.string(), total: z.number().int(), met: z.number().int() })),
  backlog: z.array(z.object({ bucket: z.string(), tickets: z.number().int() })),
  csat: z.array(
    z.object({
      by: z.enum(['agent', 'queue', 'type']),
      key: z.string().nullable(),
      answers: z.number().int(),
      average: z.number(),
      satisfied: z.number(),
    }),
  ),
  /** Tickets created per weekday (0 = Sunday) and hour, in the store's time zone. */
  hours: z.array(z.object({ weekday: z.number().int(), hour: z.number().int(), tickets: z.number().int() })),
  complaints: z.array(
    z.object({ channel: z.string(), product: z.string().nullable(), tag: z.string().nullable(), tickets: z.number().int() }),
  ),
});
