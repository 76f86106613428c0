import { Result } from 'antd';
import { useTranslation } from 'react-i18next';

/** An area of the product that is not built yet, said plainly. */
export function NotBuiltPage({ areaKey }: { areaKey: string }) {
  const { t } = useTranslation();
  return <Result status="info" title={t('notBuilt.title', { area: t(areaKey) })} subTitle={t('notBuilt.body')} data-testid="not-built" />;
}
