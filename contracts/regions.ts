/** China's provincial divisions: canonical name, short name, one-character abbreviation, pinyin. */
export const PROVINCES: [canonical: string, short: string, abbr: string, pinyin: string][] = [
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

/** Canonical province names, as the cleansing stores them (pick lists offer these). */
export const CANONICAL_PROVINCES: readonly string[] = PROVINCES.map((p) => p[0]);
