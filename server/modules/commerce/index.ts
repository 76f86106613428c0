export { ensureChannels, insertOrders, upsertProducts } from './commerce.bulk.ts';
export type { ChannelDef, NewOrder, NewOrderItem, NewProduct } from './commerce.bulk.ts';
