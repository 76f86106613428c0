import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES } from '../../../contracts/permissions.ts';
import { jobStates } from '../../../contracts/jobs.ts';
import { gender } from '../../../contracts/customers.ts';
import { TARGETS } from '../../../contracts/imports.ts';
import { shipmentStatus } from '../../../contracts/common.ts';
import { ALL_ERROR_CODES } from '../../../contracts/errors.ts';
import { DOMAIN_EVENT_TYPES } from '../../../contracts/events.ts';
import { providers } from '../../../contracts/integrations.ts';
import { abMetric, adPlatform, campaignChannel, campaignFigures, campaignStatus, recipientOutcome } from '../../../contracts/campaigns.ts';
import { loyaltySettings } from '../../../contracts/loyalty.ts';
import { holidayKeys, journeyStatuses, orderLifecycle, runStatuses, taskStatuses } from '../../../contracts/journeys.ts';
import {
  CONSENT_CHANNELS,
  CONSENT_PURPOSES,
  METRIC_FIELDS,
  OPERATORS,
  ORDER_STATUSES,
  PROFILE_FIELDS,
} from '../../../contracts/segments.ts';
import { AGE_BANDS, CLUSTER_FEATURES, LIFECYCLE_STAGES, RFM_GROUPS, RISK_BANDS } from '../../../contracts/analytics.ts';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) && !f.endsWith('.test.ts') ? [p] : [];
  });
}

const zh = flatten(zhCN as Tree);
const english = flatten(en as Tree);
const webSrc = join(import.meta.dirname, '..');

describe('translations', () => {
  it('zh-CN and en have exactly the same keys, none empty', () => {
    expect([...zh.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [k, v] of [...zh, ...english]) expect(v.trim(), k).not.toBe('');
  });

  it('every key the code uses exists in both languages', () => {
    const used = new Set<string>();
    for (const file of sources(webSrc)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.-]*)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/(?:labelKey|areaKey)[:=]\s*["']([a-z][\w.]*)["']/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(50);
    const missing = [...used].filter((k) => !zh.has(k) || !english.has(k));
    expect(missing).toEqual([]);
  });

  it('keys built from shared enums (roles, permissions, job states) all exist', () => {
    const dynamic = [
      ...ROLES.map((r) => `roles.${r}`),
      ...PERMISSIONS.map((p) => `permissions.${p}`),
      ...jobStates.map((s) => `jobs.states.${s}`),
      ...gender.options.map((g) => `customers.genders.${g}`),
      ...['email', 'phone', 'external', 'anonymous'].map((k) => `customers.identityKinds.${k}`),
      ...['name', 'gender', 'birthday', 'province', 'city', 'email', 'phone', 'address'].map((f) => `quality.fields.${f}`),
      ...Object.values(TARGETS)
        .flat()
        .map((f) => `imports.targets.${f}`),
      ...['customers', 'orders', 'products'].map((k) => `imports.kinds.${k}`),
      ...['running', 'completed', 'failed', 'undone'].map((s) => `imports.statuses.${s}`),
      ...Object.keys({ ...PROFILE_FIELDS, ...METRIC_FIELDS }).map((f) => `segments.fields.${f}`),
      ...Object.values(OPERATORS)
        .flat()
        .map((o) => `segments.operators.${o}`),
      ...LIFECYCLE_STAGES.map((s) => `analytics.stages.${s}`),
      ...RFM_GROUPS.map((g) => `analytics.rfmGroups.${g}`),
      ...AGE_BANDS.map((b) => `analytics.ageBands.${b}`),
      ...RISK_BANDS.map((b) => `analytics.risk.${b}`),
      ...CONSENT_CHANNELS.map((c) => `segments.consentChannels.${c}`),
      ...CONSENT_PURPOSES.map((p) => `segments.purposes.${p}`),
      ...['derived', 'configured', 'default'].map((b) => `analytics.thresholdSource.${b}`),
      ...['too_few_buyers', 'too_few_repeat_buyers', 'too_short_history'].map((r) => `analytics.insufficient.${r}`),
      ...['overview', 'cohorts', 'channels', 'geography', 'demographics', 'rfm', 'value', 'predictions', 'affinity', 'clusters'].map(
        (k) => `analytics.tabs.${k}`,
      ),
      ...CLUSTER_FEATURES.map((f) => `analytics.features.${f}`),
      ...['customers', 'active', 'buyers', 'repeatRate', 'aov', 'revenue', 'averageClv'].map((k) => `analytics.kpi.${k}`),
      ...['day', 'week'].map((k) => `analytics.periods.${k}`),
      ...ORDER_STATUSES.map((s) => `orderStatus.${s}`),
      ...DOMAIN_EVENT_TYPES.map((e) => `domainEvents.types.${e.replace('.', '_')}`),
      ...['pending', 'delivered', 'failed'].map((s) => `domainEvents.statuses.${s}`),
      ...shipmentStatus.options.map((s) => `shipmentStatus.${s}`),
      ...providers.map((p) => `integrations.providers.${p}`),
      ...journeyStatuses.map((s) => `journeys.status.${s}`),
      ...runStatuses.map((s) => `journeys.runStatus.${s}`),
      ...orderLifecycle.map((e) => `journeys.orderEvents.${e}`),
      ...['every', 'once', 'cooldown'].map((r) => `journeys.reentry.${r}`),
      ...['entered', 'exited'].map((o) => `journeys.trigger.segment.${o}`),
      ...['birthday', 'first_order', 'member_since', 'card_opened', 'attribute'].map((f) => `journeys.dateFields.${f}`),
      ...['gregorian', 'lunar'].map((c) => `journeys.calendars.${c}`),
      ...['wait', 'wait_until', 'wait_event', 'condition', 'order_status', 'split', 'message', 'coupon', 'tag', 'exit'].map(
        (x) => `journeys.stepTypes.${x}`,
      ),
      ...['order', 'event', 'segment', 'date', 'holiday', 'manual'].map((x) => `journeys.triggerTypes.${x}`),
      ...[...holidayKeys, 'custom'].map((h) => `journeys.holidays.${h}`),
      ...[
        'enter',
        'wait',
        'wait_until',
        'wait_event',
        'condition',
        'order_status',
        'split',
        'message',
        'coupon',
        'tag',
        'exit',
        'goal',
        'error',
        'late',
      ].map((l) => `journeys.log.${l}`),
      ...['completed_with_errors', 'events'].map((s) => (s === 'events' ? `imports.kinds.${s}` : `imports.statuses.${s}`)),
      ...campaignStatus.options.map((s) => `campaigns.status.${s}`),
      ...['members', 'programme', 'coupons', 'report'].map((k) => `loyalty.tabs.${k}`),
      ...loyaltySettings.shape.joinRule.removeDefault().options.map((k) => `loyalty.joinRules.${k}`),
      ...['channel', 'category', 'dates'].map((k) => `loyalty.multiplierKinds.${k}`),
      ...['never', 'rolling', 'year_end'].map((k) => `loyalty.expiryModes.${k}`),
      ...loyaltySettings.shape.tierBasis.removeDefault().options.map((k) => `loyalty.bases.${k}`),
      ...loyaltySettings.shape.tierTerm.removeDefault().options.map((k) => `loyalty.terms.${k}`),
      ...['signup', 'birthday', 'firstOrder', 'review', 'referral'].map((k) => `loyalty.bonus.${k}`),
      ...['earned', 'spent', 'expired', 'clawedBack'].map((k) => `loyalty.flow.${k}`),
      ...['fixed', 'percent', 'free_shipping'].map((k) => `coupons.kinds.${k}`),
      ...adPlatform.options.map((p) => `adAudiences.platforms.${p}`),
      ...['emailHours', 'smsClickHours', 'smsDeliveredHours'].map((k) => `attribution.${k}`),
      ...campaignChannel.options.map((c) => `campaigns.channels.${c}`),
      ...abMetric.options.map((m) => `campaigns.metrics.${m}`),
      ...recipientOutcome.options.map((o) => `campaigns.outcomes.${o}`),
      ...['control', 'test', 'rest'].map((a) => `campaigns.arms.${a}`),
      ...['now', 'at', 'local'].map((m) => `campaigns.modes.${m}`),
      ...['audience', 'content', 'schedule', 'review'].map((s) => `campaigns.steps.${s}`),
      ...['email', 'sms'].map((c) => `campaigns.template.${c}`),
      ...['no_contact', 'suppressed', 'no_consent', 'segments', 'recentlyContacted', 'holdout'].map((k) => `campaigns.excludedBy.${k}`),
      ...campaignFigures.keyof().options.map((k) => `campaigns.figures.${k}`),
    ];
    expect(dynamic.filter((k) => !zh.has(k) || !english.has(k))).toEqual([]);
  });

  it('every error code the server can answer with has a message in both languages', () => {
    // AppError takes only these codes (the typecheck holds the server to them).
    expect(ALL_ERROR_CODES.length).toBeGreaterThan(70);
    expect(ALL_ERROR_CODES.filter((c) => !zh.has(`errors.${c}`) || !english.has(`errors.${c}`))).toEqual([]);
  });

  it('has no hard-coded user-visible text in components', () => {
    const offenders: string[] = [];
    for (const file of sources(webSrc)) {
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      // Chinese belongs in the locale files only (the language picker names its languages in their own script).
      if (!file.endsWith('i18n.ts') && /[\u4e00-\u9fff]/.test(text)) offenders.push(`${file}: Chinese text`);
      // English words as a JSX text node right before a closing tag: <Button>Save</Button>.
      for (const m of text.matchAll(/>\s*([A-Za-z][A-Za-z ,.'!?]{2,})\s*<\//g)) offenders.push(`${file}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });
});
