import { Result } from 'antd';
import { useTranslation } from 'react-i18next';

/** An area of the product that is not built yet, said plainly, with the areas that can be used now. */
export function NotBuiltPage({ areaKey, available }: { areaKey: string; available: readonly string[] }) {
  const { t } = useTranslation();
  const list = available.map((k) => t(k)).join(t('notBuilt.separator'));
  return (
    <Result
      status="info"
      title={t('notBuilt.title', { area: t(areaKey) })}
      subTitle={t('notBuilt.body', { available: list })}
      data-testid="not-built"
    />
  );
}
