import { TARGETS } from '../../../../contracts/imports.ts';
import type { ImportKind } from '../../../db/index.ts';

export { TARGETS };

const SYNONYMS: Record<string, string[]> = {
  external_id: ['customer id', 'customerid', 'customer_id', 'id', '客户id', '客户编号', '会员id', '会员编号', '买家id'],
  customer_external_id: ['customer id', 'customerid', 'customer_id', '客户id', '客户编号', '会员id', '会员编号', '买家id', '买家昵称'],
  email: ['email', 'e-mail', 'mail', '邮箱', '电子邮箱', '电子邮件'],
  phone: ['phone', 'mobile', 'telephone', 'tel', '手机', '手机号', '手机号码', '电话', '联系电话', '收货人手机'],
  name: ['name', 'full name', 'customer name', '姓名', '客户姓名', '收货人', '收货人姓名', '会员姓名'],
  gender: ['gender', 'sex', '性别'],
  birthday: ['birthday', 'birth date', 'date of birth', 'dob', '生日', '出生日期'],
  province: ['province', 'state', '省', '省份', '收货省份'],
  city: ['city', '市', '城市', '收货城市'],
  district: ['district', '区', '区县', '县区'],
  address: ['address', 'address1', 'street', '地址', '详细地址', '收货地址'],
  order_id: ['order id', 'order_id', 'order no', 'order number', 'invoice', 'invoiceno', 'invoice no', '订单号', '订单编号', '主订单编号'],
  status: ['status', 'order status', '订单状态', '状态'],
  order_type: ['type', 'order type', 'transaction type', 'document type', '类型', '订单类型', '单据类型', '交易类型'],
  placed_at: [
    'placed at',
    'order date',
    'created',
    'created at',
    'invoicedate',
    'invoice date',
    'date',
    '下单时间',
    '订单创建时间',
    '创建时间',
    '下单日期',
  ],
  paid_at: ['paid at', 'payment date', '付款时间', '支付时间'],
  currency: ['currency', '币种', '货币'],
  total: ['total', 'order total', 'amount', 'payment', '实付金额', '订单金额', '买家实付', '总金额'],
  discount: ['discount', '优惠', '优惠金额', '折扣'],
  shipping: ['shipping', 'shipping fee', 'postage', '运费', '邮费'],
  coupon: ['coupon', 'coupon code', '优惠券', '优惠码'],
  sku: ['sku', 'stockcode', 'stock code', 'product code', 'item code', '商品编码', '商家编码', 'sku编码', '货号'],
  product_name: ['product', 'product name', 'description', 'item', 'title', '商品名称', '商品标题', '宝贝标题', '品名'],
  category: ['category', '类目', '分类', '品类'],
  quantity: ['quantity', 'qty', '数量', '购买数量'],
  unit_price: ['unit price', 'unitprice', 'price', '单价', '商品单价', '价格'],
  price: ['price', 'unit price', '价格', '售价', '单价'],
  stock: ['stock', 'inventory', 'inventory quantity', 'quantity on hand', 'on hand', '库存', '库存数量', '可售库存'],
  event: ['event', 'event name', 'action', 'event type', '事件', '事件名称', '行为', '行为类型'],
  occurred_at: ['timestamp', 'time', 'event time', 'occurred', 'date', '时间', '发生时间', '事件时间', '行为时间'],
  anonymous_id: ['anonymous id', 'anonymousid', 'device id', 'cookie id', 'visitor id', '匿名id', '设备id', '访客id'],
  message_id: ['message id', 'messageid', 'event id', 'insert id', '事件id', '消息id'],
  properties: ['properties', 'props', 'event properties', '属性', '事件属性'],
};

const norm = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .replace(/[（(].*[)）]/, '')
    .trim();

/**
 * Columns of a header row for targets, each by its own name or one of its synonyms (case, spaces, underscores and a
 * parenthesised unit ignored), each column used once; targets already mapped keep their column.
 */
export function matchColumns(
  targets: readonly string[],
  synonyms: Readonly<Record<string, readonly string[]>>,
  header: readonly string[],
  given: Record<string, string> = {},
): Record<string, string> {
  const mapping: Record<string, string> = { ...given };
  const used = new Set(Object.values(given));
  for (const target of targets) {
    if (mapping[target]) continue;
    const names = [target.replace(/_/g, ' '), ...(synonyms[target] ?? [])].map(norm);
    const column = header.find((h) => !used.has(h) && names.includes(norm(h)));
    if (column) {
      mapping[target] = column;
      used.add(column);
    }
  }
  return mapping;
}

/** A suggested mapping target → source column from a file's header row. */
export const suggestMapping = (kind: ImportKind, header: string[]): Record<string, string> => matchColumns(TARGETS[kind], SYNONYMS, header);

/** `target=Column,target2=Column 2` → record. */
export function parseMapArg(arg: string): Record<string, string> {
  return Object.fromEntries(
    arg
      .split(',')
      .map((pair) => pair.split('='))
      .filter((p) => p.length === 2 && p[0].trim() && p[1].trim())
      .map(([k, v]) => [k.trim(), v.trim()]),
  );
}
