import { type AddressInfo, createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SmtpSink = { port: number; mails: string[]; close(): Promise<void> };

/**
 * A real SMTP server on loopback that keeps every message it receives (raw), optionally asking for a login and refusing
 * some recipients (550).
 */
export async function startSmtpSink(o: { auth?: { user: string; pass: string }; refuse?: string[] } = {}): Promise<SmtpSink> {
  const mails: string[] = [];
  const server = new SMTPServer({
    disabledCommands: o.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === o.auth?.user && auth.password === o.auth?.pass) done(null, { user: auth.username });
      else done(new Error('535 authentication failed'));
    },
    onRcptTo(address, _session, done) {
      if (o.refuse?.includes(address.address)) done(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
      else done();
    },
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks).toString('utf8'));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port free at the time of asking (for a listener the code under test opens itself). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
