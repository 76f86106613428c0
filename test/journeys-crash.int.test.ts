import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDb, dbOptionsFromConfig } from '../server/db/index.ts';
import { loadConfig } from '../server/platform/config.ts';
import { envFor, ownerKey, serve } from './serve-process.ts';

/**
 * Journey runs under kill -9 (issue #23): 500 people go through a journey of two messages and a tag while the
 * working server is killed at random moments 20 times and restarted. Every run ends completed, each step is done
 * once per run (its log line and its message exactly once), nothing failed.
 */
const MASTER_KEY = 'e3'.repeat(32);
const PEOPLE = 500;
const KILLS = 20;

const envOf = (dir: string, workers: 'on' | 'off') => envFor(dir, MASTER_KEY, workers);

describe.skipIf(process.env.TEST_DATABASE_URL !== undefined)('kill -9 while journeys run', () => {
  it('takes every run through every step exactly once, whatever moment the worker dies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patron-journey-crash-'));
    const key = await ownerKey(envOf(dir, 'off'), 'crash');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const setup = await serve(envOf(dir, 'off'));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${setup.base}/api/v1${path}`, {
        method,
        headers: body === undefined ? { authorization: headers.authorization } : headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await res.json();
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    for (const k of ['first', 'second'])
      await call('PUT', `/message-templates/${k}`, {
        key: k,
        name: k,
        channel: 'sms',
        purpose: 'transactional',
        quietHours: false,
        body: { 'zh-CN': k, en: k },
      });
    const journey = await call('POST', '/journeys', {
      key: 'crash',
      name: 'crash',
      definition: {
        trigger: { type: 'manual' },
        start: 'a',
        steps: [
          { id: 'a', type: 'message', template: 'first', next: 't' },
          { id: 't', type: 'tag', tag: 'journeyed', next: 'b' },
          { id: 'b', type: 'message', template: 'second', next: null },
        ],
      },
    });
    await call('POST', `/journeys/${journey.id}/activate`);
    const ids: number[] = [];
    for (let n = 0; n < PEOPLE; n += 50) {
      const made = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call('POST', '/customers', { phone: `1390000${String(n + i).padStart(4, '0')}`, name: `P${n + i}` }),
        ),
      );
      ids.push(...made.map((m) => m.customerId as number));
    }
    expect(await call('POST', `/journeys/${journey.id}/enter`, { customerIds: ids, key: 'crash' })).toEqual({
      entered: PEOPLE,
      skipped: 0,
    });
    setup.child.kill('SIGTERM');
    await setup.exited;

    for (let k = 0; k < KILLS; k++) {
      const worker = await serve(envOf(dir, 'on'));
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    const last = await serve(envOf(dir, 'on'));
    const waiting = async () =>
      (await (await fetch(`${last.base}/api/v1/journeys/${journey.id}/runs?status=waiting&limit=1`, { headers })).json()).total as number;
    for (let i = 0; i < 600 && (await waiting()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
    last.child.kill('SIGTERM');
    await last.exited;

    const h = await createDb(dbOptionsFromConfig(loadConfig({} as NodeJS.ProcessEnv, { dataDir: dir, masterKey: MASTER_KEY })));
    try {
      const runs = await h.db.selectFrom('journey_runs').select(['id', 'status']).execute();
      const logs = await h.db.selectFrom('journey_run_steps').select(['run_id', 'step', 'type']).where('type', '<>', 'late').execute();
      const messages = await h.db.selectFrom('messages').select(['key']).where('source', '=', `journey:${journey.id}`).execute();
      const perRun = new Map<number, string[]>();
      for (const l of logs) perRun.set(Number(l.run_id), [...(perRun.get(Number(l.run_id)) ?? []), `${l.type}:${l.step}`]);
      const wrong = [...perRun].filter(([, steps]) => steps.sort().join() !== ['enter:a', 'message:a', 'message:b', 'tag:t'].join());
      console.log(
        `kill -9 while journeys run: ${PEOPLE} runs, ${KILLS} kills; ${runs.filter((r) => r.status === 'completed').length} completed, ${messages.length} messages, ${wrong.length} runs with a step missing or repeated`,
      );
      expect(runs.map((r) => r.status).filter((s) => s !== 'completed')).toEqual([]);
      expect(runs).toHaveLength(PEOPLE);
      expect(wrong).toEqual([]);
      expect(messages).toHaveLength(2 * PEOPLE);
    } finally {
      await h.close();
    }
  }, 600_000);
});
