import { sql } from 'kysely';
import type { Db } from '../../db/index.ts';
import type { Actor } from '../../http/principal.ts';
import { recordAudit } from '../audit/index.ts';
import { type LifecycleThresholds, deriveLifecycle, loadModels, saveModel } from './models.service.ts';

/** The fitted models, lifecycle thresholds and stage sizes, for the predictions page. */
export async function modelsOverview(db: Db) {
  const models = await loadModels(db);
  const [clvRow, stages, pending] = await Promise.all([
    sql<{ status: 'ready' | 'insufficient_data'; params: Record<string, unknown>; fitted_at: Date }>`
      select status, params, fitted_at from analytics_models where kind = 'clv' order by fitted_at desc, id desc limit 1`.execute(db),
    sql<{
      stage: string;
      customers: number;
    }>`select lifecycle_stage as stage, count(*)::int as customers from customer_metrics group by 1 order by 1`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from customer_changes`.execute(db),
  ]);
  const clv = clvRow.rows[0];
  return {
    lifecycle: models.lifecycle,
    rfm: models.rfm ? { asOf: models.rfm.asOf, windowDays: models.rfm.windowDays } : null,
    clv: clv ? { ...(clv.params as object), status: clv.status, fittedAt: clv.fitted_at.toISOString() } : null,
    stages: stages.rows,
    pendingChanges: pending.rows[0].n,
  } as const;
}

/** Fixes the lifecycle thresholds, or goes back to deriving them; applied at the next recompute. */
export async function setLifecycle(
  db: Db,
  opts: { body: { activeDays: number; atRiskDays: number; lapsedDays: number } | { derive: true }; actor: Actor; now: Date },
) {
  const before = (await loadModels(db)).lifecycle;
  const after: LifecycleThresholds = 'derive' in opts.body ? await deriveLifecycle(db) : { ...opts.body, source: 'configured' };
  await db.transaction().execute(async (trx) => {
    await saveModel(trx, 'lifecycle', 'ready', after, opts.now);
    await recordAudit(trx, {
      actor: opts.actor,
      action: 'settings.update',
      target: { type: 'settings', id: 'analytics.lifecycle' },
      before,
      after,
    });
  });
  return after;
}

export async function rfmHistory(db: Db) {
  const rows = await db.selectFrom('rfm_history').selectAll().orderBy('as_of').orderBy('rfm_group').execute();
  return { items: rows.map((r) => ({ asOf: r.as_of, group: r.rfm_group, customers: r.customers, revenue: Number(r.revenue) })) };
}

/** A customer's stored metrics and predictions (the 360 page's insights panel). */
export async function customerInsights(db: Db, customerId: number) {
  const [m, channels, clv] = await Promise.all([
    db.selectFrom('customer_metrics').selectAll().where('customer_id', '=', customerId).executeTakeFirst(),
    sql<{
      code: string;
    }>`select ch.code from customer_metrics m join channels ch on ch.id = any(m.channel_ids) where m.customer_id = ${customerId} order by ch.code`.execute(
      db,
    ),
    sql<{ status: string }>`select status from analytics_models where kind = 'clv' order by fitted_at desc, id desc limit 1`.execute(db),
  ]);
  const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
  const status = (clv.rows[0]?.status ?? 'not_computed') as 'ready' | 'insufficient_data' | 'not_computed';
  return {
    computedAt: iso(m?.computed_at),
    ordersCount: m?.orders_count ?? 0,
    netSpent: Number(m?.net_spent ?? 0),
    firstOrderAt: iso(m?.first_order_at),
    lastOrderAt: iso(m?.last_order_at),
    averageOrderValue: m?.avg_order_value != null ? Number(m.avg_order_value) : null,
    averageDaysBetween: m?.avg_days_between ?? null,
    distinctProducts: m?.distinct_products ?? 0,
    distinctCategories: m?.distinct_categories ?? 0,
    channels: channels.rows.map((c) => c.code),
    lastSeenAt: iso(m?.last_seen_at),
    lifecycleStage: m?.lifecycle_stage ?? null,
    recencyDays: m?.recency_days ?? null,
    rfm:
      m && m.rfm_r !== null && m.rfm_f !== null && m.rfm_m !== null && m.rfm_group
        ? { r: m.rfm_r, f: m.rfm_f, m: m.rfm_m, group: m.rfm_group }
        : null,
    prediction:
      m && m.p_alive !== null
        ? {
            pAlive: m.p_alive,
            churnProbability: m.churn_probability ?? 1 - m.p_alive,
            expectedPurchases: m.expected_purchases ?? 0,
            expectedAverageValue: m.expected_avg_value ?? 0,
            clv: m.clv ?? 0,
            nextOrderAt: iso(m.next_order_at),
          }
        : null,
    predictionStatus: status,
  };
}
