import { type RawBuilder, type Selectable, sql } from 'kysely';
import type { AttributionSettings, CampaignBody, CampaignReport, recipientOutcome } from '../../../contracts/campaigns.ts';
import type { z } from 'zod';
import type { CampaignTable, Db } from '../../db/index.ts';
import { sourceOf } from './audience.ts';
import { type Moments, meanDifference, meanDifferenceP, meanInterval, proportionDifference, twoProportionP, wilson } from './stats.ts';

type Row = Selectable<CampaignTable>;
export type Figures = CampaignReport['figures'];

/** Net paid of an order (`o`): what was paid less what was refunded; nothing for an order never paid. */
export const NET_PAID = sql`case when o.paid_at is not null then o.total_amount - o.refunded_amount else 0 end`;

/**
 * Each message of the campaign with its recipient's arm and variant, what the person did with it (human opens,
 * clicks, unsubscribes — events carry the message id) and the orders credited to it.
 */
const perMessage = (id: number, since: Date) => sql`
  with msg as (
    select m.id, m.customer_id, m.channel, m.status, m.sent_at, m.parts, m.skip_reason, r.variant, r.arm
    from messages m join campaign_recipients r on r.campaign_id = ${id} and r.customer_id = m.customer_id
    where m.source = ${sourceOf(id)}
  ), ev as (
    select (e.properties->>'messageId')::bigint as message_id,
      bool_or(e.name = 'Message Opened' or e.name = 'Message Clicked') as opened,
      bool_or(e.name = 'Message Clicked') as clicked, bool_or(e.name = 'Unsubscribed') as unsubscribed
    from events e
    where e.name in ('Message Opened', 'Message Clicked', 'Unsubscribed') and e.occurred_at >= ${since}
      and coalesce((e.properties->>'machine')::boolean, false) = false
      and (e.properties->>'messageId')::bigint in (select id from msg)
    group by 1
  ), att as (
    select a.message_id, count(*)::int as orders, sum(${NET_PAID})::bigint as revenue
    from campaign_attributions a join orders o on o.id = a.order_id where a.campaign_id = ${id} group by 1
  )
  select msg.*, coalesce(ev.opened, false) as opened, coalesce(ev.clicked, false) as clicked,
    coalesce(ev.unsubscribed, false) as unsubscribed, coalesce(att.orders, 0) as orders, coalesce(att.revenue, 0) as revenue
  from msg left join ev on ev.message_id = msg.id left join att on att.message_id = msg.id`;

type FigureRow = {
  variant: string | null;
  channel: 'email' | 'sms' | null;
  by: 'all' | 'variant' | 'channel';
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  bounced: number;
  orders: number;
  revenue: number;
  parts: number;
  pending: number;
};

const toFigures = (r: FigureRow | undefined, recipients: number, control: number, price: number): Figures => {
  const cost = Math.round((r?.parts ?? 0) * price * 100);
  const revenue = Number(r?.revenue ?? 0);
  return {
    recipients,
    control,
    sent: r?.sent ?? 0,
    delivered: r?.delivered ?? 0,
    opened: r?.opened ?? 0,
    clicked: r?.clicked ?? 0,
    unsubscribed: r?.unsubscribed ?? 0,
    bounced: r?.bounced ?? 0,
    orders: r?.orders ?? 0,
    revenue,
    cost,
    roi: cost > 0 ? (revenue - cost) / cost : null,
  };
};

/** The campaign's figures, for all of it, per variant and per channel (one pass, grouping sets). */
export async function figuresOf(db: Db, row: Row, settings: AttributionSettings) {
  const id = Number(row.id);
  const since = row.started_at ?? row.created_at;
  const [rows, people, skipped] = await Promise.all([
    sql<FigureRow>`
      select variant, channel, case when grouping(variant) = 0 then 'variant' when grouping(channel) = 0 then 'channel' else 'all' end as by,
        count(*) filter (where sent_at is not null)::int as sent,
        count(*) filter (where status = 'delivered' or (channel = 'email' and status = 'sent'))::int as delivered,
        count(*) filter (where opened and sent_at is not null)::int as opened,
        count(*) filter (where clicked)::int as clicked,
        count(*) filter (where unsubscribed)::int as unsubscribed,
        count(*) filter (where status = 'bounced')::int as bounced,
        sum(orders)::int as orders, sum(revenue)::bigint as revenue,
        coalesce(sum(parts) filter (where channel = 'sms' and sent_at is not null), 0)::int as parts,
        count(*) filter (where status in ('queued', 'held', 'sending'))::int as pending
      from (${perMessage(id, since)}) x
      group by grouping sets ((), (variant), (channel))`.execute(db),
    sql<{ variant: string | null; channel: 'email' | 'sms'; arm: string; n: number }>`
      select variant, channel, arm, count(*)::int as n from campaign_recipients where campaign_id = ${id} group by 1, 2, 3`.execute(db),
    sql<{ reason: string; n: number }>`
      select coalesce(skip_reason, 'other') as reason, count(*)::int as n from messages
      where source = ${sourceOf(id)} and status = 'skipped' group by 1`.execute(db),
  ]);
  const count = (f: (p: (typeof people.rows)[number]) => boolean) => people.rows.filter(f).reduce((t, p) => t + p.n, 0);
  const control = count((p) => p.arm === 'control');
  const price = settings.smsPricePerPart;
  const of = (by: FigureRow['by'], match: (r: FigureRow) => boolean) => rows.rows.find((r) => r.by === by && match(r));
  const variants = [...new Set(people.rows.flatMap((p) => (p.variant ? [p.variant] : [])))].sort();
  return {
    all: toFigures(
      of('all', () => true),
      count(() => true),
      control,
      price,
    ),
    pending: of('all', () => true)?.pending ?? 0,
    skipped: Object.fromEntries(skipped.rows.map((r) => [r.reason, r.n])),
    byVariant: variants.map((v) => ({
      variant: v,
      figures: toFigures(
        of('variant', (r) => r.variant === v),
        count((p) => p.variant === v),
        0,
        price,
      ),
    })),
    byChannel: (['email', 'sms'] as const)
      .filter((c) => people.rows.some((p) => p.channel === c && p.arm !== 'control'))
      .map((c) => ({
        channel: c,
        figures: toFigures(
          of('channel', (r) => r.channel === c),
          count((p) => p.channel === c && p.arm !== 'control'),
          0,
          price,
        ),
      })),
  };
}

type VariantStats = { variant: string; recipients: number; sent: number; clicked: number; converted: number; revenue: Moments };

/** Per variant, over the people of an arm: who was sent to, clicked, bought (credited orders) and how much. */
async function variantStats(db: Db, row: Row, arms: readonly string[]): Promise<VariantStats[]> {
  const id = Number(row.id);
  const rows = await sql<{
    variant: string;
    recipients: number;
    sent: number;
    clicked: number;
    converted: number;
    sum: number;
    squares: number;
  }>`
    select x.variant, count(*)::int as recipients, count(*) filter (where x.sent_at is not null)::int as sent,
      count(*) filter (where x.clicked)::int as clicked, count(*) filter (where x.orders > 0)::int as converted,
      coalesce(sum(x.revenue), 0)::float8 as sum, coalesce(sum(x.revenue::float8 * x.revenue::float8), 0)::float8 as squares
    from (${perMessage(id, row.started_at ?? row.created_at)}) x where x.arm = any(${[...arms]}::text[]) and x.variant is not null
    group by 1 order by 1`.execute(db);
  return rows.rows.map((r) => ({
    variant: r.variant,
    recipients: r.recipients,
    sent: r.sent,
    clicked: r.clicked,
    converted: r.converted,
    revenue: { n: r.recipients, sum: r.sum, sumSquares: r.squares },
  }));
}

type Metric = NonNullable<CampaignBody['test']>['metric'];

/** A variant's value of the metric, with its 95% interval. */
function metricOf(s: VariantStats, metric: Metric) {
  if (metric === 'revenue_per_recipient')
    return { value: s.revenue.n === 0 ? 0 : s.revenue.sum / s.revenue.n, interval: meanInterval(s.revenue) };
  const [x, n] = metric === 'click_rate' ? [s.clicked, s.sent] : [s.converted, s.recipients];
  return { value: n === 0 ? 0 : x / n, interval: wilson(x, n) };
}

/** The p-value of the best variant against the runner-up. */
function pValueOf(best: VariantStats, second: VariantStats | undefined, metric: Metric): number | null {
  if (!second) return null;
  if (metric === 'revenue_per_recipient') return meanDifferenceP(best.revenue, second.revenue);
  return metric === 'click_rate'
    ? twoProportionP(best.clicked, best.sent, second.clicked, second.sent)
    : twoProportionP(best.converted, best.recipients, second.converted, second.recipients);
}

export type WinnerDecision = {
  metric: Metric;
  winner: string;
  values: Record<string, number>;
  pValue: number | null;
  significant: boolean;
};

/**
 * The test share's winner by the campaign's metric (ties go to the earlier variant). The decision says whether the
 * difference to the runner-up is significant at 5%; the winner is sent either way, as the marketer asked.
 */
export async function chooseWinner(db: Db, row: Row, def: CampaignBody): Promise<WinnerDecision> {
  const metric = def.test?.metric ?? 'click_rate';
  const stats = await variantStats(db, row, ['test']);
  const ranked = [...stats].sort((a, b) => metricOf(b, metric).value - metricOf(a, metric).value || a.variant.localeCompare(b.variant));
  const p = ranked.length > 0 ? pValueOf(ranked[0], ranked[1], metric) : null;
  return {
    metric,
    winner: ranked[0]?.variant ?? 'A',
    values: Object.fromEntries(stats.map((s) => [s.variant, metricOf(s, metric).value])),
    pValue: p,
    significant: p !== null && p < 0.05,
  };
}

/**
 * Holdout uplift: everyone sent to (intent to treat, whether or not the message reached them) against the control,
 * by paid orders placed within the attribution window after the start — conversion and net revenue per person.
 */
async function holdoutOf(db: Db, row: Row, settings: AttributionSettings) {
  if (!row.started_at) return null;
  const id = Number(row.id);
  const hours = Math.max(settings.emailHours, settings.smsClickHours, settings.smsDeliveredHours);
  const rows = await sql<{ control: boolean; n: number; converted: number; sum: number; squares: number }>`
    select r.arm = 'control' as control, count(*)::int as n, count(*) filter (where p.orders > 0)::int as converted,
      coalesce(sum(p.revenue), 0)::float8 as sum, coalesce(sum(p.revenue::float8 * p.revenue::float8), 0)::float8 as squares
    from campaign_recipients r
    cross join lateral (
      select count(*) filter (where o.paid_at is not null) as orders, coalesce(sum(${NET_PAID}), 0) as revenue from orders o
      where o.customer_id = r.customer_id and o.placed_at >= ${row.started_at}
        and o.placed_at < ${row.started_at}::timestamptz + make_interval(hours => ${hours}::int)
    ) p
    where r.campaign_id = ${id} group by 1`.execute(db);
  const control = rows.rows.find((r) => r.control);
  const treated = rows.rows.find((r) => !r.control);
  if (!control || !treated) return null;
  const moments = (r: typeof treated): Moments => ({ n: r.n, sum: r.sum, sumSquares: r.squares });
  const revenue = meanDifference(moments(treated), moments(control));
  return {
    windowDays: hours / 24,
    treated: { people: treated.n, converted: treated.converted, revenue: Math.round(treated.sum) },
    control: { people: control.n, converted: control.converted, revenue: Math.round(control.sum) },
    conversionUplift: proportionDifference(treated.converted, treated.n, control.converted, control.n),
    revenuePerRecipientUplift: revenue,
    incrementalRevenue: Math.round(revenue.value * treated.n),
  };
}

/** Sent, opened, clicked per day, orders and revenue per day of placing (in the store's zone). */
async function overTimeOf(db: Db, row: Row, zone: string) {
  const id = Number(row.id);
  const day = (col: RawBuilder<unknown>) => sql`to_char(${col} at time zone ${zone}, 'YYYY-MM-DD')`;
  const rows = await sql<{ day: string; sent: number; opened: number; clicked: number; orders: number; revenue: number }>`
    with sent as (select ${day(sql.ref('m.sent_at'))} as day, count(*)::int as n from messages m where m.source = ${sourceOf(id)} and m.sent_at is not null group by 1),
      ev as (select ${day(sql.ref('e.occurred_at'))} as day, count(distinct e.properties->>'messageId') filter (where e.name = 'Message Opened')::int as opened,
          count(distinct e.properties->>'messageId') filter (where e.name = 'Message Clicked')::int as clicked
        from events e where e.name in ('Message Opened', 'Message Clicked') and e.occurred_at >= ${row.started_at ?? row.created_at}
          and coalesce((e.properties->>'machine')::boolean, false) = false
          and (e.properties->>'messageId')::bigint in (select id from messages where source = ${sourceOf(id)})
        group by 1),
      att as (select ${day(sql.ref('a.placed_at'))} as day, count(*)::int as orders, sum(${NET_PAID})::bigint as revenue
        from campaign_attributions a join orders o on o.id = a.order_id where a.campaign_id = ${id} group by 1)
    select d.day, coalesce(sent.n, 0) as sent, coalesce(ev.opened, 0) as opened, coalesce(ev.clicked, 0) as clicked,
      coalesce(att.orders, 0) as orders, coalesce(att.revenue, 0)::bigint as revenue
    from (select day from sent union select day from ev union select day from att) d
    left join sent using (day) left join ev using (day) left join att using (day) order by d.day`.execute(db);
  return rows.rows.map((r) => ({ ...r, revenue: Number(r.revenue) }));
}

async function topLinksOf(db: Db, row: Row) {
  const id = Number(row.id);
  const rows = await sql<{ url: string; clicks: number; people: number }>`
    select e.properties->>'url' as url, count(*)::int as clicks, count(distinct e.customer_id)::int as people
    from events e where e.name = 'Message Clicked' and e.occurred_at >= ${row.started_at ?? row.created_at}
      and coalesce((e.properties->>'machine')::boolean, false) = false and e.properties ? 'url'
      and (e.properties->>'messageId')::bigint in (select id from messages where source = ${sourceOf(id)})
    group by 1 order by 2 desc, 1 limit 10`.execute(db);
  return rows.rows;
}

export async function reportOf(db: Db, row: Row, def: CampaignBody, settings: AttributionSettings, zone: string) {
  const [figures, stats, holdout, overTime, topLinks] = await Promise.all([
    figuresOf(db, row, settings),
    def.test ? variantStats(db, row, ['test']) : Promise.resolve([]),
    holdoutOf(db, row, settings),
    overTimeOf(db, row, zone),
    topLinksOf(db, row),
  ]);
  const metric = def.test?.metric ?? null;
  const reason = row.winner_reason as { pValue: number | null; significant: boolean } | null;
  return {
    figures: figures.all,
    skipped: figures.skipped,
    pending: figures.pending,
    byVariant: figures.byVariant.map((v) => {
      const s = stats.find((x) => x.variant === v.variant);
      return { ...v, recipients: v.figures.recipients, metric: metric && s ? { name: metric, ...metricOf(s, metric) } : null };
    }),
    byChannel: figures.byChannel,
    test:
      def.test && metric
        ? {
            metric,
            winner: row.winner,
            significant: reason?.significant ?? false,
            pValue: reason?.pValue ?? null,
            decidedAt: row.winner ? (row.test_ends_at?.toISOString() ?? null) : null,
          }
        : null,
    holdout,
    overTime,
    topLinks,
  };
}

type Outcome = z.infer<typeof recipientOutcome>;

const OUTCOME: Record<Outcome, RawBuilder<boolean>> = {
  control: sql`x.arm = 'control'`,
  pending: sql`x.arm <> 'control' and (x.status is null or x.status in ('queued', 'held', 'sending'))`,
  skipped: sql`x.status = 'skipped'`,
  sent: sql`x.sent_at is not null`,
  delivered: sql`(x.status = 'delivered' or (x.channel = 'email' and x.status = 'sent'))`,
  bounced: sql`x.status = 'bounced'`,
  opened: sql`x.opened`,
  clicked: sql`x.clicked`,
  converted: sql`x.orders > 0`,
};

/** The recipients, with what became of each (filterable by outcome and variant), in customer order. */
export async function recipientsOf(db: Db, row: Row, q: { limit: number; offset: number; outcome?: Outcome; variant?: string }) {
  const id = Number(row.id);
  const where = sql.join(
    [sql`true`, ...(q.outcome ? [OUTCOME[q.outcome]] : []), ...(q.variant ? [sql`x.variant = ${q.variant}`] : [])],
    sql` and `,
  );
  const base = sql`
    select r.customer_id, c.name, r.arm, r.variant, r.channel, p.status, p.skip_reason, p.sent_at,
      coalesce(p.opened, false) as opened, coalesce(p.clicked, false) as clicked, coalesce(p.orders, 0) as orders, coalesce(p.revenue, 0) as revenue
    from campaign_recipients r join customers c on c.id = r.customer_id
    left join (${perMessage(id, row.started_at ?? row.created_at)}) p on p.customer_id = r.customer_id
    where r.campaign_id = ${id}`;
  const [rows, total] = await Promise.all([
    sql<{
      customer_id: number;
      name: string | null;
      arm: 'control' | 'test' | 'rest';
      variant: string | null;
      channel: 'email' | 'sms';
      status: string | null;
      skip_reason: string | null;
      opened: boolean;
      clicked: boolean;
      orders: number;
      revenue: number;
    }>`select * from (${base}) x where ${where} order by x.customer_id limit ${q.limit} offset ${q.offset}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from (${base}) x where ${where}`.execute(db),
  ]);
  return {
    items: rows.rows.map((r) => ({
      customerId: Number(r.customer_id),
      name: r.name,
      arm: r.arm,
      variant: r.variant,
      channel: r.channel,
      status: r.status,
      skipReason: r.skip_reason,
      opened: r.opened,
      clicked: r.clicked,
      orders: Number(r.orders),
      revenue: Number(r.revenue),
    })),
    total: total.rows[0].n,
  };
}
