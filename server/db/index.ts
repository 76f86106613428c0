export { createDb, dbOptionsFromConfig, executePrepared, transactionExecutor } from './create-db.ts';
export type { Db, DbHandle, DbOptions, ExecuteSql } from './create-db.ts';
export { migrateToLatest, migrations, pendingMigrations } from './migrate.ts';
export type * from './schema.ts';
export { RestoreError, backupToFile, restoreAndUpgrade, restoreFromFile, tablesInDependencyOrder } from './backup.ts';
export { eachItem } from './each-item.ts';
export { type BatchedOptions, batched } from './batched.ts';
export { watchStatistics } from './stale-statistics.ts';
export { type IdRange, applyAnalyticalSettings, customerIdRanges, inSample, sampleStep, sideBySide } from './analytical.ts';
