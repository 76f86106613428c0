import type { ChannelDef } from '../commerce/index.ts';

/** The demo store: a Chinese beauty-and-lifestyle brand selling on marketplaces, social, offline and web. */

export const DEMO_CHANNELS: (ChannelDef & { weight: number })[] = [
  { code: 'tmall', name: '天猫旗舰店', kind: 'marketplace', platform: 'tmall', weight: 30 },
  { code: 'jd', name: '京东自营', kind: 'marketplace', platform: 'jd', weight: 18 },
  { code: 'douyin', name: '抖音小店', kind: 'social', platform: 'douyin', weight: 20 },
  { code: 'wechat_mp', name: '微信小程序', kind: 'social', platform: 'wechat', weight: 14 },
  { code: 'store_sh', name: '上海静安门店', kind: 'offline', platform: 'pos', weight: 6 },
  { code: 'store_cd', name: '成都太古里门店', kind: 'offline', platform: 'pos', weight: 5 },
  { code: 'web', name: '品牌官网', kind: 'web', platform: 'shopify', weight: 7 },
];

/** category → [product names, price range in yuan, repurchase cycle in days] */
export const DEMO_CATEGORIES: Record<string, { names: string[]; price: [number, number]; weight: number }> = {
  护肤: {
    names: ['玻尿酸精华', '烟酰胺面霜', '氨基酸洁面', '水乳套装', '修护面膜', '眼霜', '防晒霜', '卸妆油'],
    price: [79, 459],
    weight: 30,
  },
  彩妆: { names: ['丝绒口红', '气垫粉底', '眼影盘', '睫毛膏', '定妆喷雾', '眉笔'], price: [59, 329], weight: 20 },
  个护: { names: ['洗发水', '护发精油', '沐浴露', '身体乳', '电动牙刷', '香氛护手霜'], price: [39, 299], weight: 18 },
  母婴: { names: ['婴儿润肤乳', '儿童牙膏', '婴儿湿巾', '孕妇护肤套装'], price: [29, 269], weight: 8 },
  食品: { names: ['挂耳咖啡', '坚果礼盒', '燕麦片', '花草茶', '蛋白棒'], price: [29, 199], weight: 12 },
  家居: { names: ['香薰蜡烛', '真丝眼罩', '浴巾', '收纳盒', '加湿器'], price: [49, 399], weight: 12 },
};

export const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split(
    '',
  );
export const GIVEN_CHARS =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏浩宇欣怡子涵梓轩若曦思远嘉怡雨萱佳琪晨阳一诺子墨沐宸语桐梓萱浩然'.split(
    '',
  );

export const REGIONS: [province: string, city: string, districts: string[], weight: number][] = [
  ['广东省', '广州市', ['天河区', '越秀区', '海珠区', '番禺区'], 8],
  ['广东省', '深圳市', ['南山区', '福田区', '宝安区', '龙岗区'], 8],
  ['上海市', '上海市', ['浦东新区', '静安区', '徐汇区', '闵行区'], 9],
  ['北京市', '北京市', ['朝阳区', '海淀区', '东城区', '丰台区'], 8],
  ['浙江省', '杭州市', ['西湖区', '滨江区', '余杭区', '拱墅区'], 7],
  ['江苏省', '南京市', ['鼓楼区', '玄武区', '江宁区'], 5],
  ['江苏省', '苏州市', ['姑苏区', '工业园区', '吴中区'], 5],
  ['四川省', '成都市', ['锦江区', '武侯区', '高新区', '青羊区'], 7],
  ['湖北省', '武汉市', ['武昌区', '江汉区', '洪山区'], 5],
  ['山东省', '青岛市', ['市南区', '崂山区', '黄岛区'], 4],
  ['山东省', '济南市', ['历下区', '市中区'], 3],
  ['福建省', '厦门市', ['思明区', '湖里区'], 3],
  ['河南省', '郑州市', ['金水区', '郑东新区'], 4],
  ['湖南省', '长沙市', ['岳麓区', '天心区', '雨花区'], 4],
  ['陕西省', '西安市', ['雁塔区', '碑林区', '未央区'], 4],
  ['重庆市', '重庆市', ['渝中区', '江北区', '南岸区'], 4],
  ['天津市', '天津市', ['和平区', '南开区'], 3],
  ['辽宁省', '沈阳市', ['和平区', '沈河区'], 2],
  ['云南省', '昆明市', ['五华区', '盘龙区'], 2],
  ['黑龙江省', '哈尔滨市', ['南岗区', '道里区'], 2],
];

export const STREETS = ['中山路', '人民路', '解放路', '建设路', '和平路', '新华路', '文化路', '长江路', '科技路', '南京路'];
export const EMAIL_DOMAINS: [string, number][] = [
  ['qq.com', 45],
  ['163.com', 25],
  ['126.com', 8],
  ['gmail.com', 7],
  ['outlook.com', 5],
  ['foxmail.com', 5],
  ['sina.com', 5],
];
export const MOBILE_PREFIXES = [
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '182',
  '183',
  '186',
  '187',
  '188',
  '189',
  '177',
  '199',
  '130',
  '131',
  '132',
  '155',
  '156',
  '185',
];
