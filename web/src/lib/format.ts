/** Money is integer minor units; display in the UI language. */
export const formatMoney = (minor: number, currency: string, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(minor / 100);

export const formatNumber = (n: number, locale: string) => new Intl.NumberFormat(locale).format(n);

export const formatPercent = (ratio: number, locale: string) =>
  new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);

export const formatDateTime = (iso: string | null, locale: string) => (iso ? new Date(iso).toLocaleString(locale) : '—');
