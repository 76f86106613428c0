import { EyeOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { useSession } from '../lib/session.ts';

/**
 * Shows masked personal data in clear (phone numbers and e-mail addresses inside a buyer's words too): only for those
 * who may see personal data; the server audits every reveal.
 */
export function RevealButton({ shown, onReveal, testId }: { shown: boolean; onReveal: () => void; testId: string }) {
  const { t } = useTranslation();
  const { can } = useSession();
  if (shown || !can('pii.read')) return null;
  return (
    <Button size="small" type="link" icon={<EyeOutlined />} onClick={onReveal} data-testid={testId}>
      {t('customers.reveal')}
    </Button>
  );
}
