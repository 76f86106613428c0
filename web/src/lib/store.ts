import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from './api.ts';
import { formatMoney } from './format.ts';

import type { StoreSettings } from '../../../contracts/system.ts';

export type Store = StoreSettings;

/** The store's settings (any signed-in user may read them); shares its cache with the store settings page. */
export function useStore() {
  return useQuery({ queryKey: ['store'], queryFn: () => api<Store>('/settings/store'), staleTime: 60_000 });
}

/** The store's currency for money figures that are not tied to one order ('CNY' until the settings load). */
export const useCurrency = (): string => useStore().data?.currency ?? 'CNY';

/** Money (minor units) in the store's currency, in the interface's language. */
export function useMoney() {
  const { i18n } = useTranslation();
  const currency = useCurrency();
  return (minor: number) => formatMoney(minor, currency, i18n.language);
}
