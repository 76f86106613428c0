import { sql } from 'kysely';
import lunar from 'lunar-javascript';
import type { JourneyTrigger } from '../../../contracts/journeys.ts';
import { defineScheduledJob } from '../../jobs/index.ts';
import type { AppContext } from '../../platform/context.ts';
import { todayIn } from '../../platform/clock.ts';
import { nextTimeOfDay } from '../messaging/index.ts';
import { ruleClockOf } from '../segments/index.ts';
import { storeSettingsOf } from '../system/index.ts';
import { activeJourneys, enterJourney } from './enter.ts';
import { holidayDate } from './holidays.ts';

type DateTrigger = Extract<JourneyTrigger, { type: 'date' }>;
type HolidayTrigger = Extract<JourneyTrigger, { type: 'holiday' }>;

/** People let into a holiday journey per statement. */
const CHUNK = 5000;

const addDays = (ymd: string, days: number) => new Date(Date.parse(`${ymd}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Dates that come once (a prediction), not every year. */
const ONCE = new Set(['next_order']);

/** The column holding a trigger's date, as a SQL date. */
function columnOf(field: string, timeZone: string) {
  if (field === 'birthday') return sql`c.birthday`;
  if (field === 'card_opened')
    return sql`(select (lm.joined_at at time zone ${timeZone})::date from loyalty_members lm where lm.customer_id = c.id and lm.status = 'active')`;
  if (field === 'first_order') return sql`(m.first_order_at at time zone 'UTC')::date`;
  if (field === 'member_since') return sql`(c.created_at at time zone 'UTC')::date`;
  if (field === 'next_order') return sql`(m.next_order_at at time zone ${timeZone})::date`;
  const key = field.slice('attribute:'.length);
  return sql`(case when c.attributes->>${key} ~ '^\\d{4}-\\d{2}-\\d{2}' then (c.attributes->>${key})::date end)`;
}

/**
 * Who has the date `target` falls on: that very date for a date that comes once (a predicted next order); else the
 * same month and day in an earlier year (a 29 February counted on the 28th in other years); for the lunar calendar,
 * every Gregorian date in the last 120 years with the same Chinese-calendar month and day as `target` (a leap month's
 * people with the ordinary month's).
 */
function matchOf(field: string, calendar: DateTrigger['calendar'], target: string, timeZone: string) {
  const col = columnOf(field, timeZone);
  if (ONCE.has(field)) return sql`${col} = ${target}::date`;
  const year = Number(target.slice(0, 4));
  if (calendar === 'gregorian') {
    const days = [target.slice(5)];
    if (target.slice(5) === '02-28' && !isLeap(year)) days.push('02-29');
    return sql`to_char(${col}, 'MM-DD') = any(${days}::text[]) and extract(year from ${col}) < ${year}`;
  }
  const [y, m, d] = target.split('-').map(Number);
  const day = lunar.Solar.fromYmd(y, m, d).getLunar();
  const month = Math.abs(day.getMonth());
  const dates: string[] = [];
  for (let born = year - 120; born < year; born++) {
    for (const mm of lunar.LunarYear.fromYear(born).getLeapMonth() === month ? [month, -month] : [month]) {
      try {
        dates.push(lunar.Lunar.fromYmd(born, mm, day.getDay()).getSolar().toYmd());
      } catch {
        // That month has no such day that year (a 30th in a 29-day month).
      }
    }
  }
  return sql`${col} = any(${dates}::date[])`;
}

/** The instant of `time` on the local day `ymd` in `timeZone`. */
function localInstant(ymd: string, time: string, timeZone: string): Date {
  let at = nextTimeOfDay(new Date(Date.parse(`${ymd}T00:00:00Z`) - 26 * 3_600_000), time, timeZone);
  while (todayIn(timeZone, at) < ymd) at = nextTimeOfDay(new Date(at.getTime() + 60_000), time, timeZone);
  return at;
}

/**
 * Lets people into journeys with a date trigger (birthday — Gregorian or lunar —, the first order's or the first
 * day's anniversary, a date attribute) or a holiday (春节, 中秋, 618, 双十一 … or the store's own day: everyone the
 * entry rules let in), `offsetDays` before or after, at `time` in each person's zone. Looks at today and tomorrow in
 * the store's zone, so a run is waiting before its moment; each occurrence enters once (the trigger key names the
 * date). Returns how many entered.
 */
export async function enterByDate(ctx: AppContext): Promise<number> {
  const journeys = (await activeJourneys(ctx.db)).filter(
    (j) => j.definition.trigger.type === 'date' || j.definition.trigger.type === 'holiday',
  );
  if (journeys.length === 0) return 0;
  const now = ctx.clock.now();
  const store = await storeSettingsOf(ctx);
  const rules = () => ruleClockOf(ctx);
  const today = todayIn(store.timeZone, now);
  let entered = 0;
  for (const j of journeys) {
    const t = j.definition.trigger as DateTrigger | HolidayTrigger;
    for (const day of [today, addDays(today, 1)]) {
      const target = addDays(day, -t.offsetDays);
      const enter = async (people: readonly { id: number; time_zone: string | null }[], key: string) => {
        const r = await enterJourney(
          ctx.db,
          j,
          people.map((p) => ({
            customerId: Number(p.id),
            triggerKey: `${key}:${p.id}`,
            context: { variables: { date: target } },
            at: localInstant(day, t.time, p.time_zone ?? store.timeZone),
          })),
          { now, rules },
        );
        entered += r.entered.length;
      };
      if (t.type === 'date') {
        const people = await sql<{ id: number; time_zone: string | null }>`
          select c.id, c.time_zone from customers c left join customer_metrics m on m.customer_id = c.id
          where c.merged_into is null and c.erased_at is null and ${matchOf(t.field, t.calendar, target, store.timeZone)}`.execute(ctx.db);
        await enter(people.rows, `date:${t.field}:${target}`);
      } else if (holidayDate(t.holiday, Number(target.slice(0, 4)), t.date) === target) {
        // Everyone (the entry rules decide), a chunk of people per statement.
        for (let after = 0; ; ) {
          const people = await ctx.db
            .selectFrom('customers')
            .select(['id', 'time_zone'])
            .where('id', '>', after)
            .where('merged_into', 'is', null)
            .where('erased_at', 'is', null)
            .orderBy('id')
            .limit(CHUNK)
            .execute();
          if (people.length === 0) break;
          await enter(people, `holiday:${t.holiday}:${target}`);
          after = Number(people[people.length - 1].id);
        }
      }
    }
  }
  return entered;
}

/**
 * Who a date or holiday trigger would have let in on the store's last `count` days, today included: the people whose
 * date fell on one of them, or everyone living for a holiday that did — for a journey's dry run.
 */
export async function dueInLastDays(ctx: AppContext, t: DateTrigger | HolidayTrigger, count: number): Promise<number[] | 'everyone'> {
  const store = await storeSettingsOf(ctx);
  const today = todayIn(store.timeZone, ctx.clock.now());
  const targets = Array.from({ length: count }, (_, i) => addDays(today, -i - t.offsetDays));
  if (t.type === 'holiday') return targets.some((x) => holidayDate(t.holiday, Number(x.slice(0, 4)), t.date) === x) ? 'everyone' : [];
  const people = await sql<{ id: number }>`
    select c.id from customers c left join customer_metrics m on m.customer_id = c.id
    where c.merged_into is null and c.erased_at is null
      and (${sql.join(
        targets.map((x) => matchOf(t.field, t.calendar, x, store.timeZone)),
        sql` or `,
      )})`.execute(ctx.db);
  return people.rows.map((r) => Number(r.id));
}

/** Every hour: a store opened late in the day still greets today's birthdays, and tomorrow's runs wait ready. */
export const journeyDatesJob = defineScheduledJob<AppContext>({
  name: 'journeys-dates',
  cron: '7 * * * *',
  expireInSeconds: 3600,
  handler: async (ctx) => {
    const entered = await enterByDate(ctx);
    if (entered > 0) ctx.log.info({ entered }, 'journeys entered by date');
  },
});
