import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { type FakeKeys, startFakeSms } from '../test/sms-fakes.ts';

/**
 * The far side of the messaging benchmark, in a process of its own as a mail server or an SMS gateway would be: a
 * loopback SMTP server that counts what it receives (`smtp`), or the local Aliyun/Tencent fake that verifies each SDK
 * signature (`sms`, keys as JSON in the second argument). It tells its parent where it listens, then answers
 * `count` with how many messages it accepted.
 */
async function start(kind: string): Promise<{ address: string; count: () => number }> {
  if (kind === 'sms') {
    const fake = await startFakeSms(JSON.parse(process.argv[3] ?? '{}') as FakeKeys);
    return { address: fake.endpoint, count: () => fake.sent.length };
  }
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: String((server.server.address() as AddressInfo).port), count: () => received };
}

const sink = await start(process.argv[2] ?? 'smtp');
process.on('message', (m) => {
  if (m === 'count') process.send?.({ count: sink.count() });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ address: sink.address });
