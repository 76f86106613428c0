import type { CustomerData } from '../../platform/registry.ts';

/**
 * Orders, their lines, refunds and shipments follow a person through a merge and stay, anonymous, when the person is
 * erased (statistics and bookkeeping hold). An order from elsewhere keeps a person an undone import created.
 */
export const commerceData: readonly CustomerData[] = [
  { table: 'orders', export: { orderBy: 'placed_at' }, erase: 'keep', changes: ['insert', 'update', 'delete'] },
  { table: 'order_items', export: { name: 'orderItems', file: 'order_items.csv' }, erase: 'keep' },
  { table: 'refunds', export: { orderBy: 'refunded_at' }, erase: 'keep', changes: ['insert', 'delete'] },
  { table: 'shipments', export: false, erase: 'keep' },
];
