import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';

/** One e-mail as the sender hands it over: a text part, an HTML alternative when there is one, extra headers. */
export type MimeMessage = {
  from: string;
  to: string;
  subject: string;
  html: string | null;
  text: string;
  headers: Record<string, string>;
  messageId: string;
  date: Date;
};

const PRINTABLE = /^[\x20-\x7e]*$/;
const SPECIALS = /[()<>[\]:;@\\,."]/;

/** A mailbox with its domain in ASCII (IDNA), as both the envelope and the header need it. */
function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at)}@${domainToASCII(address.slice(at + 1)) || address.slice(at + 1)}`;
}

/** Mailboxes of an address field: the header text (display names quoted or encoded) and the bare addresses. */
function mailboxes(field: string): { header: string; addresses: string[] } {
  const parsed = addressparser(field, { flatten: true }).filter((a) => a.address);
  const addresses = parsed.map((a) => asciiAddress(a.address));
  const header = parsed
    .map((a, i) => {
      if (!a.name) return addresses[i];
      const name = !PRINTABLE.test(a.name)
        ? encodeWords(a.name, 'B', 52)
        : SPECIALS.test(a.name)
          ? `"${a.name.replace(/["\\]/g, '\\$&')}"`
          : a.name;
      return `${name} <${addresses[i]}>`;
    })
    .join(', ');
  return { header, addresses };
}

const headerLine = (name: string, value: string) =>
  foldLines(`${name}: ${PRINTABLE.test(value) ? value : encodeWords(value, 'B', 52)}`, 76).replace(/\r?\n/g, '\r\n');

const base64Lines = (text: string) =>
  Buffer.from(text, 'utf8')
    .toString('base64')
    .replace(/.{76}(?=.)/g, '$&\r\n');

const part = (type: string, text: string) =>
  `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(text)}\r\n`;

/** RFC 5322 date in UTC: `Sat, 05 Dec 2026 14:00:00 +0000`. */
const rfc5322Date = (d: Date) => d.toUTCString().replace(/GMT$/, '+0000');

/**
 * The message's source (RFC 5322 with MIME) in one buffer, and its envelope: UTF-8 parts in base64 (so no body line
 * can look like the boundary, which holds `=_`), a text part alone or with an HTML alternative, header values encoded
 * (RFC 2047) and folded. What nodemailer's composer builds, without its stream per part.
 */
export function composeMime(m: MimeMessage): { envelope: { from: string; to: string[] }; source: Buffer } {
  const from = mailboxes(m.from);
  const to = mailboxes(m.to);
  const boundary = `=_patron_${m.messageId.replace(/[^A-Za-z0-9]/g, '')}`;
  const lines = [
    m.html === null ? 'Content-Type: text/plain; charset=utf-8' : `Content-Type: multipart/alternative; boundary="${boundary}"`,
    headerLine('From', from.header),
    headerLine('To', to.header),
    headerLine('Subject', m.subject),
    headerLine('Message-ID', m.messageId),
    headerLine('Date', rfc5322Date(m.date)),
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([name, value]) => headerLine(name, value)),
  ];
  const body =
    m.html === null
      ? `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(m.text)}\r\n`
      : `\r\n--${boundary}\r\n${part('text/plain', m.text)}--${boundary}\r\n${part('text/html', m.html)}--${boundary}--\r\n`;
  return {
    envelope: { from: from.addresses[0] ?? '', to: to.addresses },
    source: Buffer.from(`${lines.join('\r\n')}\r\n${body}`, 'utf8'),
  };
}
