import type { NewCustomer } from '../customers/index.ts';
import { DEMO_CATEGORIES, EMAIL_DOMAINS, GIVEN_CHARS, MOBILE_PREFIXES, REGIONS, STREETS, SURNAMES } from './catalog.ts';
import type { Rng } from '../../platform/random.ts';

const DAY = 86_400_000;
export const HISTORY_DAYS = 730;

export type DemoProduct = { id: number; sku: string; name: string; category: string; price: number };
export type DemoWorld = {
  rng: Rng;
  seed: number;
  asOf: Date;
  avgOrders: number;
  channels: { id: number; code: string; weight: number; offline: boolean }[];
  productsByCategory: Map<string, DemoProduct[]>;
};

/** Demand multiplier by calendar: 双十一, 618, 38 女王节, 年货节, 双十二. */
export function seasonality(t: Date): number {
  const m = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  if (m === 11 && d <= 11) return d >= 10 ? 6 : 3;
  if (m === 6 && d <= 18) return d >= 16 ? 4 : 2;
  if (m === 12 && d === 12) return 2.5;
  if (m === 3 && d >= 5 && d <= 8) return 2;
  if (m === 1 && d >= 10) return 1.4;
  return 1;
}
const MAX_SEASON = 6;

export function makeCustomer(w: DemoWorld, index: number): NewCustomer & { favourite: string[] } {
  const { rng } = w;
  const [province, city, districts] = rng.weighted(REGIONS.map((r) => [r, r[3]] as const));
  const district = rng.pick(districts);
  const given = rng.pick(GIVEN_CHARS) + (rng.next() < 0.7 ? rng.pick(GIVEN_CHARS) : '');
  const gender = rng.weighted([
    ['female', 68],
    ['male', 27],
    ['unknown', 5],
  ] as const);
  const channel = rng.weighted(w.channels.map((c) => [c, c.weight] as const));
  // Later customers are more likely (the shop grew), and promotions bring many of them.
  let createdAt: Date;
  do createdAt = new Date(w.asOf.getTime() - HISTORY_DAYS * DAY * (1 - Math.sqrt(rng.next())));
  while (rng.next() > seasonality(createdAt) / MAX_SEASON);
  // A bijection on 8 digits keeps every generated mobile number unique.
  const digits = String((index * 48_271 + w.seed * 7) % 100_000_000).padStart(8, '0');
  const phone = rng.next() < 0.88 ? `+86${MOBILE_PREFIXES[index % MOBILE_PREFIXES.length]}${digits}` : null;
  const email = rng.next() < 0.45 ? `u${(index * 7919 + w.seed).toString(36)}@${rng.weighted(EMAIL_DOMAINS)}` : null;
  const age = rng.int(18, 58);
  const birthday =
    rng.next() < 0.7
      ? `${w.asOf.getUTCFullYear() - age}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`
      : null;
  const categories = Object.keys(DEMO_CATEGORIES);
  return {
    name: rng.pick(SURNAMES) + given,
    gender,
    birthday,
    province,
    city,
    district,
    firstChannelId: channel.id,
    email,
    phone,
    externalIds: [{ channel: channel.code, id: `${channel.code}-${w.seed}-${(index * 2_654_435_761) % 4_294_967_296}` }],
    address: `${province === city ? '' : province}${city}${district}${rng.pick(STREETS)}${rng.int(1, 999)}号${rng.int(1, 30)}栋${rng.int(101, 2802)}室`,
    createdAt,
    favourite: [rng.weighted(categories.map((c) => [c, DEMO_CATEGORIES[c].weight] as const)), rng.pick(categories)],
  };
}

/** Purchase times: a BG/NBD-like process (Poisson purchasing, dropout after each purchase) thinned by season. */
export function purchaseTimes(w: DemoWorld, start: Date): Date[] {
  const { rng } = w;
  if (rng.next() < 0.12) return []; // registered, never bought
  // Calibrated (a simulation of 20,000 customers) so that orders per customer come out near avgOrders (3 → 3.5, 10 → 10.3).
  const rate = rng.gamma(0.9, (3 * w.avgOrders) / 365 / 0.9 / 0.55);
  // Dropout after each purchase (BG/NBD), rarer the more orders a store's customers place on average.
  const dropout = rng.beta(1.3, (4 * w.avgOrders) / 3);
  const times = [start];
  let t = start.getTime();
  while (rng.next() >= dropout && times.length <= 400) {
    // The next purchase: candidate times at the peak rate, kept in proportion to the season.
    do t += rng.exponential(rate * MAX_SEASON) * DAY;
    while (t < w.asOf.getTime() && rng.next() >= seasonality(new Date(t)) / MAX_SEASON);
    if (t >= w.asOf.getTime()) break;
    times.push(new Date(t));
  }
  return times;
}
