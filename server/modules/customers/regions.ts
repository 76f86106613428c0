import { PROVINCES } from '../../../contracts/regions.ts';

const LOOKUP = new Map<string, string>();
for (const [canonical, short, abbr, pinyin] of PROVINCES) {
  for (const alias of [canonical, short, abbr, pinyin, pinyin.replace(' ', ''), `${pinyin} province`])
    LOOKUP.set(alias.toLowerCase(), canonical);
}
LOOKUP.set('macao', '澳门特别行政区');
LOOKUP.set('hongkong', '香港特别行政区');

const MUNICIPALITIES = new Set(['北京市', '天津市', '上海市', '重庆市']);

/** 上海 / 沪 / Shanghai → 上海市; 广东 → 广东省. Unknown names are returned trimmed, unchanged. */
export function canonicalProvince(raw: string | null | undefined): string | null {
  if (!raw?.trim()) return null;
  const text = raw.trim();
  return LOOKUP.get(text.toLowerCase()) ?? text;
}

/** Cities get their 市 suffix (深圳 → 深圳市, 杭州 → 杭州市); a municipality's city is itself (上海 → 上海市). */
export function canonicalCity(raw: string | null | undefined, province: string | null): string | null {
  if (!raw?.trim()) return null;
  const text = raw.trim();
  const asProvince = LOOKUP.get(text.toLowerCase());
  if (asProvince && MUNICIPALITIES.has(asProvince)) return asProvince;
  if (province && MUNICIPALITIES.has(province) && (text === '市辖区' || text === '县')) return province;
  // 杭州 → 杭州市, but a prefecture's short form (恩施州, 湘西州) keeps its 州.
  const prefecture = text.length >= 3 && text.endsWith('州');
  return /^[\u4e00-\u9fff]{2,4}$/.test(text) && !prefecture && !/(市|盟|地区|县|区)$/.test(text) ? `${text}市` : text;
}

export { CANONICAL_PROVINCES } from '../../../contracts/regions.ts';
