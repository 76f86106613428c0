import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { journeyView } from '../../../../contracts/journeys.ts';
import { formatPercent } from '../../lib/format.ts';
import { useMoney } from '../../lib/store.ts';

type Earned = NonNullable<z.infer<typeof journeyView>['earned']>;

/**
 * What a journey's messages earned (the campaigns' last-touch attribution): people reached and converted, orders and
 * net revenue; and, for journeys about an order (催付), the orders paid after their reminder.
 */
export function EarnedLine({ earned }: { earned: Earned }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const rate = earned.reached === 0 ? 0 : earned.converted / earned.reached;
  return (
    <Typography.Text data-testid="journey-earned">
      {t('journeys.earned', {
        reached: earned.reached,
        converted: earned.converted,
        rate: formatPercent(rate, i18n.language),
        orders: earned.orders,
        revenue: money(earned.revenue),
      })}
      {earned.recovered.orders > 0 &&
        ` · ${t('journeys.recovered', { orders: earned.recovered.orders, revenue: money(earned.recovered.revenue) })}`}
    </Typography.Text>
  );
}
