import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../server/platform/config.ts';
import { registerServerCommands } from './server.commands.ts';

/**
 * The packaged deployment, checked without a container engine (none runs where the tests run): the Dockerfile and
 * compose.yaml must name the CLI's real commands and options, the configuration's real variables, and agree on ports,
 * volumes and the master key secret.
 */
const ROOT = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
type Service = {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean; test?: string[] };
};
/** compose.yaml as Compose reads it with no .env: `${X:-default}` is the default, `${X:?why}` a value given. */
const interpolated = readFileSync(join(ROOT, 'compose.yaml'), 'utf8')
  .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
  .replace(/\$\{\w+:\?[^}]*\}/g, 'secret');
const compose = parse(interpolated, { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const program = new Command();
registerServerCommands(program);
const commands = new Map(program.commands.map((c) => [c.name(), c]));
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'));
const json = (instruction: string) => JSON.parse(instructions.find((l) => l.startsWith(`${instruction} `))!.slice(instruction.length + 1));

describe('the packaged deployment', () => {
  it('builds in stages and runs as a user of its own, with a health check on /healthz', () => {
    expect(instructions.filter((l) => l.startsWith('FROM ')).length).toBe(2);
    expect(instructions.find((l) => l.startsWith('USER '))).toBe('USER patron');
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/healthz');
    expect(json('ENTRYPOINT')).toEqual(['node', 'bin/patron.mjs']);
    const [command, ...options] = json('CMD') as string[];
    expect(commands.get(command)?.options.map((o) => o.long)).toEqual(expect.arrayContaining(options));
    // What the image runs exists in it.
    for (const dir of ['bin', 'cli', 'server', 'contracts', 'web/dist'])
      expect(instructions.some((l) => l.startsWith('COPY --from=build') && l.includes(`/app/${dir} `))).toBe(true);
  });

  it('runs the API with workers off and one worker against PostgreSQL, with the master key as a secret', () => {
    const { postgres, api, worker } = compose.services;
    expect(postgres.healthcheck?.test?.join(' ')).toContain('pg_isready');
    for (const [name, s] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      const [command, ...options] = s.command ?? [];
      expect(commands.has(command), `${name}: patron ${command}`).toBe(true);
      expect(commands.get(command)?.options.map((o) => o.long)).toEqual(expect.arrayContaining(options));
      expect(s.environment?.DATABASE_URL).toMatch(/^postgres:\/\/patron:.*@postgres:5432\/patron$/);
      expect(s.secrets).toContain('patron_master_key');
      expect(s.environment?.PATRON_MASTER_KEY_FILE).toBe('/run/secrets/patron_master_key');
      expect(s.depends_on?.postgres.condition).toBe('service_healthy');
      expect(s.volumes).toContain('patron-data:/data');
      // Every variable is one the configuration reads (a typo would be silently ignored otherwise).
      const env = { ...s.environment, PATRON_MASTER_KEY_FILE: '' };
      expect(() => loadConfig(env)).not.toThrow();
      for (const key of Object.keys(s.environment ?? {})) expect(key).toMatch(/^(PORT|DATABASE_URL|PATRON_[A-Z_]+)$/);
    }
    expect(api.environment?.PATRON_WORKERS).toBe('off');
    expect(worker.healthcheck?.disable).toBe(true);
    expect(api.ports).toEqual([`${api.environment?.PORT}:${api.environment?.PORT}`]);
    expect(json('EXPOSE') ?? null).toBe(Number(api.environment?.PORT));
    expect(compose.secrets.patron_master_key.file).toBe('./secrets/patron_master_key');
    expect(Object.keys(compose.volumes)).toEqual(['pgdata', 'patron-data']);
  });

  it('gives the image the heap ceiling `npm start` runs the server with', () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const ceiling = start.match(/--max-old-space-size=\d+/)?.[0];
    expect(ceiling).toBeDefined();
    expect(instructions.find((l) => l.startsWith('ENV '))).toContain(`NODE_OPTIONS=${ceiling} `);
  });
});
