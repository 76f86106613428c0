import { defineModule } from '../../module.ts';
import { commerceData } from './customer-data.ts';
import { commerceRoutes } from './commerce.routes.ts';

export const commerceModule = defineModule({ name: 'commerce', routes: commerceRoutes, customerData: commerceData });
export { ensureChannels, loadOrders, productsOfOrders, upsertOrders, upsertProducts } from './commerce.bulk.ts';
export type { ChannelDef, NewProduct, OrderLine, OrderUpsert } from './commerce.bulk.ts';
export { ensureChannel, recordRefund, recordUnlinkedRefund, type RefundInput, setOrderStatus, upsertOrder } from './orders.service.ts';
export { toMinor } from './money.ts';
export { type CatalogueProduct, updateCatalogue } from './catalogue.ts';
export { removeImportedCommerce, removeUnusedProducts } from './imported.ts';
export { recordShipment, recordShipments, type ShipmentInput } from './shipments.service.ts';
export { getOrder, listOrders } from './orders.query.ts';
