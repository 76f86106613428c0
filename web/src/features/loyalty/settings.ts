import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { LoyaltySettings } from '../../../../contracts/loyalty.ts';
import { api } from '../../lib/api.ts';

export const useLoyaltySettings = () =>
  useQuery({ queryKey: ['loyalty', 'settings'], queryFn: () => api<LoyaltySettings>('/loyalty/settings') });

/** A tier's name by key (a key no longer in the programme shows as itself; none: the plain member). */
export function useTierName() {
  const { t } = useTranslation();
  const settings = useLoyaltySettings();
  return (key: string | null) => (key === null ? t('loyalty.noTier') : (settings.data?.tiers.find((x) => x.key === key)?.name ?? key));
}
