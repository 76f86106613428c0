/** A transactional e-mail template that prints the order id it is sent for, outside quiet hours' reach. */
export const receiptTemplate = (key: string) => ({
  key,
  name: 'Receipt',
  channel: 'email',
  purpose: 'transactional',
  quietHours: false,
  subject: { 'zh-CN': '收据 {{ order.id }}', en: 'Receipt {{ order.id }}' },
  body: { 'zh-CN': '<p>{{ order.id }}</p>', en: '<p>{{ order.id }}</p>' },
});
