import type { Db } from '../../db/index.ts';
import type { Keyring } from '../../platform/crypto.ts';
import { ensureChannels, upsertProducts } from '../commerce/index.ts';
import { countCustomers, rememberAddresses, sightingOf } from '../customers/index.ts';
import { insertCustomers } from '../identity/index.ts';
import { DEMO_CATEGORIES, DEMO_CHANNELS } from './catalog.ts';
import { type DemoProduct, type DemoWorld, makeCustomer, purchaseTimes } from './generate.ts';
import { generateHistory, type PurchasePlan } from './history.ts';
import { createRng } from '../../platform/random.ts';

export type SeedDemoOptions = {
  customers: number;
  seed?: number;
  /** Last day of the generated history (default: now). Same seed + same asOf → same store. */
  asOf?: Date;
  /** Average orders per buying customer over two years (heavy-tailed around it). */
  avgOrders?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
};

export type SeedDemoResult = { customers: number; orders: number; events: number; skipped: boolean };

async function setupCatalog(db: Db) {
  const channelIds = await ensureChannels(
    db,
    DEMO_CHANNELS.map(({ weight: _w, ...c }) => c),
  );
  const products = Object.entries(DEMO_CATEGORIES).flatMap(([category, def], ci) =>
    def.names.map((name, i) => ({
      sku: `SKU-${String(ci + 1).padStart(2, '0')}${String(i + 1).padStart(3, '0')}`,
      name,
      category,
      // Deterministic price within the category's range, rounded to .9 yuan, in fen.
      priceAmount: (Math.round(def.price[0] + ((i * 37) % (def.price[1] - def.price[0]))) * 10 + 9) * 10,
      currency: 'CNY',
    })),
  );
  const productIds = await upsertProducts(db, products);
  const productsByCategory = new Map<string, DemoProduct[]>();
  for (const p of products) {
    const list = productsByCategory.get(p.category) ?? [];
    list.push({ id: productIds.get(p.sku)!, sku: p.sku, name: p.name, category: p.category, price: p.priceAmount });
    productsByCategory.set(p.category, list);
  }
  const channels = DEMO_CHANNELS.map((c) => ({
    id: channelIds.get(c.code)!,
    code: c.code,
    weight: c.weight,
    offline: c.kind === 'offline',
  }));
  return { channels, productsByCategory };
}

/**
 * Builds a deterministic demo store: customers with Chinese names, regions, encrypted phones and
 * emails; seven channels; a catalogue; two years of seasonal, heavy-tailed orders with refunds and
 * lapsing customers; behaviour events. Customers are drawn in node (their personal fields encrypted there, a batch
 * at a time); their orders, items and events are generated in the database (`generateHistory`), so the same
 * generator scales to millions of rows. Does nothing when customers already exist.
 */
export async function seedDemo(db: Db, keyring: Keyring, opts: SeedDemoOptions): Promise<SeedDemoResult> {
  if ((await countCustomers(db)) > 0) return { customers: 0, orders: 0, events: 0, skipped: true };
  const seed = opts.seed ?? 42;
  const asOf = opts.asOf ?? new Date();
  const catalog = await setupCatalog(db);
  const world: DemoWorld = { rng: createRng(seed), seed, asOf, avgOrders: opts.avgOrders ?? 3, ...catalog };
  const batchSize = opts.batchSize ?? 2000;
  const totals = { customers: 0, orders: 0, events: 0, skipped: false };
  let orderSeq = 0;
  // Two batches in flight: a batch's history is generated in the database while the next batch's customers are
  // drawn and encrypted here (each batch one transaction; customers are stored in batch order).
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < opts.customers; start += batchSize) {
    const n = Math.min(batchSize, opts.customers - start);
    const people = Array.from({ length: n }, (_, i) => makeCustomer(world, start + i));
    const times = people.map((p) => purchaseTimes(world, p.createdAt));
    // Each person's orders are numbered on from the last person's, across batches.
    const firstSeqs = times.map((t) => {
      const first = orderSeq + 1;
      orderSeq += t.length;
      return first;
    });
    let customersStored = () => {};
    const stored = new Promise<void>((resolve) => {
      customersStored = resolve;
    });
    const batch = db.transaction().execute(async (trx) => {
      const ids = await insertCustomers(trx, keyring, people);
      await rememberAddresses(
        trx,
        keyring,
        people.map((p, i) => sightingOf(ids[i], p)),
        { source: 'demo', now: asOf },
      );
      customersStored();
      const plans: PurchasePlan[] = people.flatMap((p, i) =>
        times[i].length === 0
          ? []
          : [{ customerId: ids[i], homeChannelId: p.firstChannelId!, favourite: p.favourite, times: times[i], firstSeq: firstSeqs[i] }],
      );
      const history = plans.length > 0 ? await generateHistory(trx, world, plans) : { orders: 0, events: 0 };
      totals.orders += history.orders;
      totals.events += history.events;
      totals.customers += n;
      opts.onProgress?.(totals.customers, opts.customers);
    });
    batch.catch(() => {}); // awaited below; a failure surfaces there, not as an unhandled rejection meanwhile
    inFlight.push(batch);
    await Promise.race([stored, batch]);
    if (inFlight.length === 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return totals;
}
