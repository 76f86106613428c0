/** Returned mail as mail systems write it, for the bounce tests. */

/** A delivery status notification as Postfix writes it (RFC 3464), for one or more recipients. */
export function dsn(o: { messageId: string; recipients: { address: string; action: string; status: string; diagnostic?: string }[] }) {
  const blocks = o.recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.address}`,
      `Original-Recipient: rfc822;${r.address}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.diagnostic ? [`Diagnostic-Code: smtp; ${r.diagnostic}`, '    (in reply to RCPT TO command)'] : []),
    ].join('\r\n'),
  );
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'To: bounces@shop.example.com',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-ID: <20261203080000.1@mx.example.net>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.net. Your message could not be delivered.',
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Thu,  3 Dec 2026 08:00:00 +0000 (UTC)',
    '',
    blocks.join('\r\n\r\n'),
    '',
    '--BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Patron Shop <shop@example.com>',
    `To: ${o.recipients[0].address}`,
    'Subject: =?UTF-8?B?5qyi6L+O5Zue5p2l?=',
    `Message-ID: ${o.messageId}`,
    '',
    '--BOUNDARY--',
    '',
  ].join('\r\n');
}

/** A spam complaint as a mailbox provider's feedback loop sends it (ARF, RFC 5965). */
export function arf(o: { messageId: string; recipient: string }) {
  return [
    'From: feedback@fbl.example.org',
    'To: abuse@shop.example.com',
    'Subject: Complaint',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="FBL"',
    '',
    '--FBL',
    'Content-Type: text/plain',
    '',
    'This is an e-mail abuse report.',
    '',
    '--FBL',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: FBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: <${o.recipient}>`,
    '',
    '--FBL',
    'Content-Type: message/rfc822',
    '',
    'From: Patron Shop <shop@example.com>',
    `To: ${o.recipient}`,
    `Message-ID: ${o.messageId}`,
    'Subject: Sale',
    '',
    'Body',
    '',
    '--FBL--',
    '',
  ].join('\r\n');
}
