import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export type SmtpPoolOptions = {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass: string } | null;
  /** Connections open at most. */
  connections: number;
  /** Messages a second at most across the pool (null: as fast as the server answers). */
  perSecond: number | null;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  rejectUnauthorized: boolean;
};

/** An SMTP error as nodemailer's connection reports it (`responseCode` set when the server answered). */
export type SmtpError = Error & { responseCode?: number; code?: string };

/**
 * Pooled SMTP connections that send messages composed beforehand, each in one write, with the final dot held back
 * until the caller's hand-over is recorded (see `send`). Built on nodemailer's SMTP connection (the protocol, STARTTLS,
 * authentication) and its DKIM signer; nodemailer's own transport composes and streams each message in many small
 * chunks, which costs a one-process sender most of its time.
 */
export class SmtpPool {
  private readonly idle: SMTPConnection[] = [];
  private readonly waiting: Array<{ resolve: (c: SMTPConnection) => void; reject: (err: Error) => void }> = [];
  private readonly gone = new WeakSet<SMTPConnection>();
  private open = 0;
  private nextSlot = 0;
  private closed = false;
  private readonly dkim: DKIM | null;

  constructor(private readonly options: SmtpPoolOptions) {
    this.dkim = options.dkim ? new DKIM(options.dkim) : null;
  }

  /**
   * Sends one message: the envelope and the data go at once, the final dot only once `handedOver` resolves (so a
   * server never accepts a message whose hand-over is not recorded: a process that dies before leaves an unfinished
   * DATA, which the server drops with the connection); nothing is sent if it rejects.
   */
  async send(envelope: { from: string; to: string[] }, message: Buffer, handedOver?: Promise<void>): Promise<void> {
    const source = this.dkim ? Buffer.concat(await this.dkim.sign(message).toArray()) : message;
    await this.pace();
    const connection = await this.acquire();
    const data = new PassThrough();
    // A failed hand-over reaches the send through the connection's own listener; once a refused envelope has ended
    // the send, nobody may be listening, and the error must not end the process.
    data.on('error', () => undefined);
    data.write(source);
    Promise.resolve(handedOver).then(
      () => data.end(),
      (err: Error) => data.destroy(err),
    );
    try {
      await new Promise<void>((resolve, reject) => connection.send(envelope, data, (err) => (err ? reject(err as SmtpError) : resolve())));
      this.release(connection);
    } catch (err) {
      // A refused envelope or message leaves the session usable once reset; anything else ends the connection.
      const e = err as SmtpError;
      if ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421)
        connection.reset((resetError) => (resetError ? this.discard(connection) : this.release(connection)));
      else this.discard(connection);
      throw err;
    }
  }

  /** Closes every connection; later sends fail. */
  close(): void {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.quit();
    for (const w of this.waiting.splice(0)) w.reject(new Error('the SMTP pool is closed'));
  }

  /** Waits for the message's turn under the rate limit. */
  private async pace(): Promise<void> {
    if (!this.options.perSecond) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.options.perSecond;
    if (slot > now) await sleep(slot - now);
  }

  private async acquire(): Promise<SMTPConnection> {
    if (this.closed) throw new Error('the SMTP pool is closed');
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.open >= this.options.connections) return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    return this.opened();
  }

  /** A new connection, counted while it is open. */
  private async opened(): Promise<SMTPConnection> {
    this.open++;
    try {
      return await this.connect();
    } catch (err) {
      this.open--;
      throw err;
    }
  }

  private async connect(): Promise<SMTPConnection> {
    const o = this.options;
    const connection = new SMTPConnection({
      host: o.host,
      port: o.port,
      secure: o.secure,
      tls: { rejectUnauthorized: o.rejectUnauthorized },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('error', reject);
        connection.connect((err) => (err ? reject(err) : resolve()));
      });
      if (o.auth) {
        const auth = o.auth;
        await new Promise<void>((resolve, reject) => connection.login(auth, (err) => (err ? reject(err) : resolve())));
      }
    } catch (err) {
      // A refused login leaves the socket open: it goes with the failed attempt.
      connection.close();
      throw err;
    }
    // Errors of a connection surface through its sends; one closed while idle (a server's timeout) leaves the pool.
    connection.removeAllListeners('error');
    connection.on('error', () => undefined);
    connection.once('end', () => this.forget(connection));
    return connection;
  }

  private release(connection: SMTPConnection): void {
    const next = this.waiting.shift();
    if (next) next.resolve(connection);
    else if (this.closed) connection.quit();
    else this.idle.push(connection);
  }

  private discard(connection: SMTPConnection): void {
    connection.close();
    this.forget(connection);
  }

  /** A connection gone: out of the idle list, and its place given to someone waiting (as a new connection). */
  private forget(connection: SMTPConnection): void {
    if (this.gone.has(connection)) return;
    this.gone.add(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    this.open--;
    const next = this.waiting.shift();
    if (next) this.opened().then(next.resolve, next.reject);
  }
}
