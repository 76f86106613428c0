/**
 * A rejected row's reason in the reader's language. Reasons are stored as written (English, stable: tests and logs
 * read them); the rejected-rows file a seller downloads says them in Chinese when asked.
 */
const FIELDS_ZH: Record<string, string> = {
  external_id: '客户 ID',
  customer_external_id: '买家 ID',
  email: '邮箱',
  phone: '手机号',
  name: '姓名',
  gender: '性别',
  birthday: '生日',
  province: '省份',
  city: '城市',
  district: '区县',
  address: '地址',
  order_id: '订单号',
  status: '订单状态',
  order_type: '单据类型',
  placed_at: '下单时间',
  paid_at: '付款时间',
  currency: '币种',
  total: '订单金额',
  discount: '优惠',
  shipping: '运费',
  coupon: '优惠券',
  sku: '商品编码',
  product_name: '商品名称',
  category: '类目',
  quantity: '数量',
  unit_price: '单价',
  price: '价格',
  event: '事件名称',
  occurred_at: '发生时间',
  anonymous_id: '匿名 ID',
  message_id: '事件 ID',
  properties: '属性',
  external: '平台 ID',
  anonymous: '匿名 ID',
};
const field = (f: string) => FIELDS_ZH[f] ?? f;

/** English reason → Chinese, most specific first; `$1`… are the parts the pattern captured. */
const ZH: [RegExp, (...m: string[]) => string][] = [
  [/^(\w+): not a date in the expected format \((.*)\)$/s, (f, v) => `${field(f)}：日期与所选格式不符（${v}）`],
  [/^(\w+): not a date \((.*)\)$/s, (f, v) => `${field(f)}：不是有效日期（${v}）`],
  [/^(\w+): not a number \((.*)\)$/s, (f, v) => `${field(f)}：不是数字（${v}）`],
  [/^(\w+): unknown value (.*)$/s, (f, v) => `${field(f)}：无法识别的取值 ${v}`],
  [/^(\w+): not a valid phone number$/, (f) => `${field(f)}：不是有效的手机号码`],
  [/^(\w+): not a valid e-mail address$/, (f) => `${field(f)}：不是有效的邮箱地址`],
  [/^(\w+): erased at the person’s request$/, (f) => `${field(f)}：已应本人要求删除，不再自动建档`],
  [/^(\w+): empty identifier$/, (f) => `${field(f)}：标识为空`],
  [/^(\w+): an external id needs its channel$/, (f) => `${field(f)}：平台 ID 需要指定渠道`],
  [/^no buyer: map customer_external_id, phone or email$/, () => '没有买家：请对应买家 ID、手机号或邮箱列'],
  [/^no identifier: map external_id, phone or email$/, () => '没有客户标识：请对应客户 ID、手机号或邮箱列'],
  [/^no person: map customer_external_id, phone, email or anonymous_id$/, () => '没有对应的人：请对应买家 ID、手机号、邮箱或匿名 ID 列'],
  [/^sku is empty$/, () => '商品编码为空'],
  [/^sku and product_name are both empty$/, () => '商品编码和商品名称都为空'],
  [/^order_id is empty$/, () => '订单号为空'],
  [/^event is empty$/, () => '事件名称为空'],
  [/^event: longer than 200 characters$/, () => '事件名称超过 200 个字符'],
  [/^properties: not valid JSON$/, () => '属性不是有效的 JSON'],
  [/^properties: not a JSON object$/, () => '属性不是 JSON 对象'],
  [/^neither items \(sku or product_name\) nor a total$/, () => '既没有商品（编码或名称），也没有订单金额'],
  [/^a return needs the returned items \(sku or product_name\)$/, () => '退货行需要退回的商品（编码或名称）'],
  [/^could not be stored: (.*)$/s, (why) => `无法保存：${why}`],
];

const IMPORTED_WITHOUT = ' (row imported without it)';

function one(part: string): string {
  for (const [re, zh] of ZH) {
    const m = re.exec(part);
    if (m) return zh(...m.slice(1));
  }
  return part;
}

export function reasonIn(language: 'zh-CN' | 'en', reason: string): string {
  if (language === 'en') return reason;
  const without = reason.endsWith(IMPORTED_WITHOUT);
  const core = without ? reason.slice(0, -IMPORTED_WITHOUT.length) : reason;
  const text = core.split('; ').map(one).join('；');
  return without ? `${text}（该行已导入，但不含此值）` : text;
}
