import { Typography } from 'antd';
import type { useAppProps } from 'antd/es/app/context';

/** A dialog showing a secret (API key, write key) that is never shown again, with a copy button. */
export function showSecret(modal: useAppProps['modal'], opts: { title: string; body: string; secret: string; testId?: string }) {
  modal.warning({
    title: opts.title,
    width: 640,
    content: (
      <>
        <p>{opts.body}</p>
        <Typography.Text code copyable data-testid={opts.testId}>
          {opts.secret}
        </Typography.Text>
      </>
    ),
  });
}
