import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';

import type { StoreSettings } from '../../../contracts/system.ts';

export type Store = StoreSettings;

/** The store's settings (any signed-in user may read them); shares its cache with the store settings page. */
export function useStore() {
  return useQuery({ queryKey: ['store'], queryFn: () => api<Store>('/settings/store'), staleTime: 60_000 });
}

/** The store's currency for money figures that are not tied to one order ('CNY' until the settings load). */
export const useCurrency = (): string => useStore().data?.currency ?? 'CNY';
