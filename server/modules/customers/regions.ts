/** China's provincial divisions: canonical name, short name, one-character abbreviation, pinyin. */
const PROVINCES: [canonical: string, short: string, abbr: string, pinyin: string][] = [
  ['北京市', '北京', '京', 'beijing'], ['天津市', '天津', '津', 'tianjin'], ['上海市', '上海', '沪', 'shanghai'], ['重庆市', '重庆', '渝', 'chongqing'],
  ['河北省', '河北', '冀', 'hebei'], ['山西省', '山西', '晋', 'shanxi'], ['辽宁省', '辽宁', '辽', 'liaoning'], ['吉林省', '吉林', '吉', 'jilin'],
  ['黑龙江省', '黑龙江', '黑', 'heilongjiang'], ['江苏省', '江苏', '苏', 'jiangsu'], ['浙江省', '浙江', '浙', 'zhejiang'], ['安徽省', '安徽', '皖', 'anhui'],
  ['福建省', '福建', '闽', 'fujian'], ['江西省', '江西', '赣', 'jiangxi'], ['山东省', '山东', '鲁', 'shandong'], ['河南省', '河南', '豫', 'henan'],
  ['湖北省', '湖北', '鄂', 'hubei'], ['湖南省', '湖南', '湘', 'hunan'], ['广东省', '广东', '粤', 'guangdong'], ['海南省', '海南', '琼', 'hainan'],
  ['四川省', '四川', '川', 'sichuan'], ['贵州省', '贵州', '黔', 'guizhou'], ['云南省', '云南', '滇', 'yunnan'], ['陕西省', '陕西', '陕', 'shaanxi'],
  ['甘肃省', '甘肃', '甘', 'gansu'], ['青海省', '青海', '青', 'qinghai'], ['台湾省', '台湾', '台', 'taiwan'], ['内蒙古自治区', '内蒙古', '蒙', 'inner mongolia'],
  ['广西壮族自治区', '广西', '桂', 'guangxi'], ['西藏自治区', '西藏', '藏', 'tibet'], ['宁夏回族自治区', '宁夏', '宁', 'ningxia'], ['新疆维吾尔自治区', '新疆', '新', 'xinjiang'],
  ['香港特别行政区', '香港', '港', 'hong kong'], ['澳门特别行政区', '澳门', '澳', 'macau'],
];

const LOOKUP = new Map<string, string>();
for (const [canonical, short, abbr, pinyin] of PROVINCES) {
  for (const alias of [canonical, short, abbr, pinyin, pinyin.replace(' ', ''), `${pinyin} province`]) LOOKUP.set(alias.toLowerCase(), canonical);
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

export const CANONICAL_PROVINCES: readonly string[] = PROVINCES.map((p) => p[0]);
