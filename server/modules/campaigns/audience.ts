import { type RawBuilder, sql } from 'kysely';
import type { CampaignBody } from '../../../contracts/campaigns.ts';
import type { Db } from '../../db/index.ts';
import { suppressedSql } from '../messaging/index.ts';
import { consentGrantedSql } from '../privacy/index.ts';

/** The source every message of a campaign is queued under (and found by: pause, resume, cancel, reports). */
export const sourceOf = (campaignId: number) => `campaign:${campaignId}`;

/**
 * Everyone in the campaign's segments, with why they would be left out: in an exclusion segment, or sent a campaign
 * message in the last N days. Erased and merged-away people are not in it.
 */
export function candidatesSql(a: CampaignBody['audience'], now: Date): RawBuilder<unknown> {
  const days = a.notContactedDays;
  return sql`
    select b.customer_id,
      ${a.exclude.length > 0 ? sql`exists (select 1 from segment_members x where x.segment_id = any(${a.exclude}::bigint[]) and x.customer_id = b.customer_id)` : sql`false`} as excluded,
      ${
        days === null
          ? sql`false`
          : sql`exists (select 1 from messages m where m.customer_id = b.customer_id and m.purpose = 'marketing' and m.source like 'campaign:%'
              and m.sent_at > ${now}::timestamptz - make_interval(days => ${days}::int))`
      } as recent
    from (select distinct customer_id from segment_members where segment_id = any(${a.segments}::bigint[])) b
    join customers c on c.id = b.customer_id and c.erased_at is null and c.merged_into is null`;
}

/** The audience itself: the candidates who are not left out. */
export const audienceSql = (a: CampaignBody['audience'], now: Date) =>
  sql`select customer_id from (${candidatesSql(a, now)}) k where not k.excluded and not k.recent`;

/** Whether the person (`c`, a customers row) can be sent marketing on the channel: an address, not suppressed, consent. */
export const reachableSql = (channel: 'email' | 'sms') => {
  const bidx = channel === 'email' ? sql.ref('c.email_bidx') : sql.ref('c.phone_bidx');
  return sql<boolean>`(${bidx} is not null and not ${suppressedSql(channel, bidx)} and ${consentGrantedSql(sql.ref('c.id'), channel, 'marketing')})`;
};

/**
 * A number in [0, 100) for a person in a campaign, uniform and fixed (the same person lands in the same arm if the
 * snapshot is taken again); `salt` gives an independent one (the variant within the test share).
 */
export const bucketSql = (campaignId: number, salt: string) =>
  sql<number>`((('x' || substr(md5(${`${campaignId}:${salt}:`} || c.id::text), 1, 8))::bit(32)::bigint % 10000) / 100.0)`;

export type Reach = { reachable: number; excluded: { no_contact: number; suppressed: number; no_consent: number } };

/**
 * Who of the audience each channel reaches, and why the others are not reached; the holdout (never sent to) is
 * counted on its own and left out of the reach.
 */
export async function measureAudience(db: Db, campaignId: number, def: CampaignBody, now: Date) {
  const channelFigures = (channel: 'email' | 'sms') => {
    const bidx = channel === 'email' ? sql.ref('c.email_bidx') : sql.ref('c.phone_bidx');
    const as = (what: string) => sql.raw(`${channel}_${what}`);
    return sql`
      count(*) filter (where c.sent_to and ${bidx} is null)::int as ${as('no_contact')},
      count(*) filter (where c.sent_to and ${bidx} is not null and ${suppressedSql(channel, bidx)})::int as ${as('suppressed')},
      count(*) filter (where c.sent_to and ${bidx} is not null and not ${suppressedSql(channel, bidx)}
        and not ${consentGrantedSql(sql.ref('c.id'), channel, 'marketing')})::int as ${as('no_consent')}`;
  };
  const row = (
    await sql<Record<string, number>>`
      select count(*) filter (where c.member)::int as members,
        count(*) filter (where c.excluded)::int as in_excluded,
        count(*) filter (where not c.excluded and c.recent)::int as recent,
        count(*) filter (where c.member and not c.sent_to)::int as holdout,
        count(*) filter (where c.sent_to)::int as sent_to,
        ${channelFigures('email')}, ${channelFigures('sms')},
        count(*) filter (where c.sent_to and not ${reachableSql('email')} and ${reachableSql('sms')})::int as sms_after_email
      from (
        -- Each candidate with what the counts ask of them, the person's columns under the name the conditions use (c).
        select k.excluded, k.recent, c.id, c.email_bidx, c.phone_bidx, not k.excluded and not k.recent as member,
          not k.excluded and not k.recent and ${bucketSql(campaignId, 'arm')} >= ${def.holdoutPercent} as sent_to
        from (${candidatesSql(def.audience, now)}) k join customers c on c.id = k.customer_id
      ) c`.execute(db)
  ).rows[0];
  const reach = (channel: 'email' | 'sms'): Reach => {
    const excluded = {
      no_contact: row[`${channel}_no_contact`],
      suppressed: row[`${channel}_suppressed`],
      no_consent: row[`${channel}_no_consent`],
    };
    return { reachable: row.sent_to - excluded.no_contact - excluded.suppressed - excluded.no_consent, excluded };
  };
  return {
    members: row.members,
    excluded: { segments: row.in_excluded, recentlyContacted: row.recent, holdout: row.holdout },
    email: reach('email'),
    sms: reach('sms'),
    smsAfterEmail: row.sms_after_email,
  };
}
