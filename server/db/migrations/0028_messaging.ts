import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One template per purpose and channel, with a body in every language the admin speaks (LiquidJS).
    create table message_templates (
      id bigint generated always as identity primary key,
      key text not null unique,
      name text not null,
      channel text not null check (channel in ('email', 'sms')),
      purpose text not null check (purpose in ('transactional', 'marketing')),
      subject jsonb,
      preheader jsonb,
      body jsonb not null,
      -- SMS in mainland China goes out only through templates the operator approved: the provider's template code and
      -- each of its parameters as LiquidJS ({"code": "SMS_123", "params": {"order": "{{ order.id }}"}}).
      provider_template jsonb,
      -- A transactional message keeps quiet hours only where its template says so (催付 does, a password reset not).
      quiet_hours boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    -- The outbox: every message, whatever asked for it, unique by its key (source + person), written in the caller's
    -- transaction. Decided (consent, suppression, quiet hours, caps) and rendered when it is sent, not when queued.
    create table messages (
      id bigint generated always as identity primary key,
      key text not null unique,
      customer_id bigint references customers (id),
      channel text not null check (channel in ('email', 'sms')),
      purpose text not null check (purpose in ('transactional', 'marketing')),
      template_key text not null,
      variables jsonb not null default '{}',
      language text,
      status text not null default 'queued'
        check (status in ('queued', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'unknown', 'skipped')),
      skip_reason text,
      not_before timestamptz not null default now(),
      rescheduled_from timestamptz,
      attempts int not null default 0,
      provider text,
      provider_message_id text,
      error text,
      -- What the recipient got (address, subject, body), encrypted: the sandbox inbox and the 360 show it.
      rendered_enc text,
      source text not null,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      updated_at timestamptz not null default now()
    );
    create index messages_due_idx on messages (not_before, id) where status = 'queued';
    create index messages_sending_idx on messages (updated_at) where status = 'sending';
    create index messages_customer_idx on messages (customer_id, created_at desc);
    create index messages_budget_idx on messages (customer_id, purpose, sent_at) where sent_at is not null;

    -- Addresses never to message again on a channel (hard bounce, complaint, invalid number, STOP reply, by hand).
    create table suppressions (
      channel text not null check (channel in ('email', 'sms')),
      address_bidx text not null,
      address_enc text not null,
      reason text not null,
      source text not null,
      created_at timestamptz not null default now(),
      primary key (channel, address_bidx)
    );
  `.execute(db);
}
