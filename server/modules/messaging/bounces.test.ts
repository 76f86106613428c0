import { describe, expect, it } from 'vitest';
import { arf, dsn } from '../../../test/returned-mail.ts';
import { parseBounce } from './bounces.ts';

describe('returned mail', () => {
  it('reads each recipient of a DSN: permanent failures hard, temporary ones soft, delays as delays; the outbox row from Message-ID', async () => {
    const bounces = await parseBounce(
      dsn({
        messageId: '<patron-42@example.com>',
        recipients: [
          { address: 'Gone@Example.com', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <gone@example.com>: User unknown' },
          { address: 'full@example.com', action: 'failed', status: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' },
          { address: 'slow@example.com', action: 'delayed', status: '4.4.1' },
          { address: 'fine@example.com', action: 'delivered', status: '2.0.0' },
        ],
      }),
    );
    expect(bounces).toEqual([
      {
        kind: 'hard',
        recipient: 'gone@example.com',
        status: '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 <gone@example.com>: User unknown (in reply to RCPT TO command)',
        messageId: 42,
      },
      {
        kind: 'soft',
        recipient: 'full@example.com',
        status: '4.2.2',
        diagnostic: 'smtp; 452 4.2.2 Mailbox full (in reply to RCPT TO command)',
        messageId: 42,
      },
      { kind: 'delayed', recipient: 'slow@example.com', status: '4.4.1', diagnostic: null, messageId: 42 },
    ]);
  });

  it('reads a feedback-loop complaint, and finds nothing in ordinary mail', async () => {
    expect(await parseBounce(arf({ messageId: '<patron-7@example.com>', recipient: 'annoyed@example.com' }))).toEqual([
      { kind: 'complaint', recipient: 'annoyed@example.com', status: null, diagnostic: 'feedback report: abuse', messageId: 7 },
    ]);
    expect(await parseBounce('From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nAn out-of-office reply.\r\n')).toEqual([]);
  });
});
