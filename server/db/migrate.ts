import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Db } from './create-db.ts';
import * as m0001 from './migrations/0001_platform.ts';
import * as m0002 from './migrations/0002_auth.ts';
import * as m0003 from './migrations/0003_audit.ts';
import * as m0004 from './migrations/0004_commerce.ts';
import * as m0005 from './migrations/0005_identities_sources.ts';
import * as m0006 from './migrations/0006_integrations.ts';
import * as m0007 from './migrations/0007_imports.ts';
import * as m0008 from './migrations/0008_merges.ts';
import * as m0009 from './migrations/0009_privacy.ts';
import * as m0010 from './migrations/0010_tags_notes_operations.ts';
import * as m0011 from './migrations/0011_import_uploads.ts';
import * as m0012 from './migrations/0012_customer_metrics.ts';
import * as m0013 from './migrations/0013_segments.ts';
import * as m0014 from './migrations/0014_refunds_quarantine_views.ts';
import * as m0015 from './migrations/0015_events_name_covering.ts';
import * as m0016 from './migrations/0016_orders_import_id.ts';
import * as m0017 from './migrations/0017_analytics_snapshots.ts';
import * as m0018 from './migrations/0018_events_customer_covering.ts';
import * as m0019 from './migrations/0019_customer_activity.ts';
import * as m0020 from './migrations/0020_customers_merged.ts';
import * as m0021 from './migrations/0021_never_deleted_parents.ts';
import * as m0022 from './migrations/0022_customers_segment_columns.ts';
import * as m0023 from './migrations/0023_import_trust.ts';
import * as m0024 from './migrations/0024_orders_area.ts';
import * as m0025 from './migrations/0025_phone_tails.ts';
import * as m0026 from './migrations/0026_integration_health.ts';
import * as m0027 from './migrations/0027_domain_events.ts';
import * as m0028 from './migrations/0028_messaging.ts';
import * as m0029 from './migrations/0029_journeys.ts';
import * as m0030 from './migrations/0030_journey_tasks.ts';
import * as m0031 from './migrations/0031_campaigns.ts';
import * as m0032 from './migrations/0032_ad_audiences.ts';
import * as m0033 from './migrations/0033_loyalty.ts';
import * as m0034 from './migrations/0034_service.ts';
import * as m0035 from './migrations/0035_after_sales.ts';
import * as m0036 from './migrations/0036_surveys.ts';
import * as m0037 from './migrations/0037_social.ts';
import * as m0038 from './migrations/0038_survey_distribution.ts';
import * as m0039 from './migrations/0039_webhooks.ts';
import * as m0040 from './migrations/0040_optional_events.ts';
import * as m0041 from './migrations/0041_delivery_due_per_subscriber.ts';
import * as m0042 from './migrations/0042_journey_attributions.ts';
import * as m0043 from './migrations/0043_product_changes.ts';
import * as m0044 from './migrations/0044_journey_runs_due_per_journey.ts';
import * as m0045 from './migrations/0045_message_provider_ids.ts';
import * as m0046 from './migrations/0046_event_message_ids_bytewise.ts';
import * as m0047 from './migrations/0047_tracking_inbox.ts';
import * as m0048 from './migrations/0048_tickets_subject_search.ts';
import * as m0049 from './migrations/0049_orders_customer_totals.ts';
import * as m0050 from './migrations/0050_tickets_unassigned.ts';

/** Frozen, forward-only migrations in order. Add new files; never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001_platform': m0001,
  '0002_auth': m0002,
  '0003_audit': m0003,
  '0004_commerce': m0004,
  '0005_identities_sources': m0005,
  '0006_integrations': m0006,
  '0007_imports': m0007,
  '0008_merges': m0008,
  '0009_privacy': m0009,
  '0010_tags_notes_operations': m0010,
  '0011_import_uploads': m0011,
  '0012_customer_metrics': m0012,
  '0013_segments': m0013,
  '0014_refunds_quarantine_views': m0014,
  '0015_events_name_covering': m0015,
  '0016_orders_import_id': m0016,
  '0017_analytics_snapshots': m0017,
  '0018_events_customer_covering': m0018,
  '0019_customer_activity': m0019,
  '0020_customers_merged': m0020,
  '0021_never_deleted_parents': m0021,
  '0022_customers_segment_columns': m0022,
  '0023_import_trust': m0023,
  '0024_orders_area': m0024,
  '0025_phone_tails': m0025,
  '0026_integration_health': m0026,
  '0027_domain_events': m0027,
  '0028_messaging': m0028,
  '0029_journeys': m0029,
  '0030_journey_tasks': m0030,
  '0031_campaigns': m0031,
  '0032_ad_audiences': m0032,
  '0033_loyalty': m0033,
  '0034_service': m0034,
  '0035_after_sales': m0035,
  '0036_surveys': m0036,
  '0037_social': m0037,
  '0038_survey_distribution': m0038,
  '0039_webhooks': m0039,
  '0040_optional_events': m0040,
  '0041_delivery_due_per_subscriber': m0041,
  '0042_journey_attributions': m0042,
  '0043_product_changes': m0043,
  '0044_journey_runs_due_per_journey': m0044,
  '0045_message_provider_ids': m0045,
  '0046_event_message_ids_bytewise': m0046,
  '0047_tracking_inbox': m0047,
  '0048_tickets_subject_search': m0048,
  '0049_orders_customer_totals': m0049,
  '0050_tickets_unassigned': m0050,
};

export type MigrateResult = { applied: string[] };

/**
 * Applies pending migrations in one transaction (PostgreSQL DDL is transactional): a failure
 * rolls back every statement of the run and leaves the schema as it was.
 */
export async function migrateToLatest(db: Db, extra: Record<string, Migration> = {}): Promise<MigrateResult> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations, ...extra }) } satisfies MigrationProvider,
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed} failed and was rolled back: ${message}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** The migrations this database has had, in order (none for a fresh one). */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db);
  if (!exists.rows[0]?.t) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** What `migrateToLatest` would apply, in order (`patron migrate --dry-run`). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const applied = new Set(await appliedMigrations(db));
  return Object.keys(migrations).filter((m) => !applied.has(m));
}

/** Brings a database up to one migration and no further (a backup of an older version is restored at its version). */
export async function migrateTo(db: Db, last: string): Promise<void> {
  if (!(last in migrations)) throw new Error(`Unknown migration ${last}.`);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } satisfies MigrationProvider });
  const { error } = await migrator.migrateTo(last);
  if (error) throw new Error(`Migration to ${last} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`);
}
