import type { CustomerData } from '../../platform/registry.ts';

/** The profile fields an import changed, as they were: personal data, so erasure deletes them; undo reads them itself. */
export const ingestData: readonly CustomerData[] = [
  { table: 'import_before_images', key: 'import_id', merge: 'keep', export: false, erase: 'delete', undo: 'ignore' },
];
