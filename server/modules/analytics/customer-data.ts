import type { CustomerData } from '../../platform/registry.ts';

/** Derived from the other tables and rebuilt by the change drain: they neither move, nor export, nor keep a person. */
export const analyticsData: readonly CustomerData[] = [
  { table: 'customer_metrics', merge: 'keep', export: false, erase: 'keep', undo: 'ignore' },
  { table: 'customer_changes', merge: 'keep', export: false, erase: 'keep', undo: 'ignore' },
];
