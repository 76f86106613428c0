import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allModules } from './modules.ts';

/**
 * House rule 2, checked: a module's SQL writes only the tables its own `<module>.tables.ts` declares, and reads
 * another module's tables only where its definition lists them (`reads`: the read side, written down). Tables are
 * found in Kysely calls (`selectFrom('orders as o')`, `insertInto`, joins) and in SQL text (`from`, `join`,
 * `update`, `insert into`, `delete from`); a table named through a declaration (`sql.table(d.table)` in merge,
 * export, erasure and undo) is the declaring module's consent, not a reference.
 */
const root = dirname(fileURLToPath(import.meta.url));

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });

/** Table → owner, from every table file (`export type XTables = { table: Row; … }`). */
function owners(): Map<string, string> {
  const out = new Map<string, string>();
  const tableFiles = [
    ...readdirSync(join(root, 'modules')).flatMap((m) =>
      filesUnder(join(root, 'modules', m))
        .filter((f) => f.endsWith('.tables.ts'))
        .map((f) => ({ f, owner: m })),
    ),
    { f: join(root, 'db', 'platform.tables.ts'), owner: 'platform' },
    { f: join(root, 'events', 'events.tables.ts'), owner: 'platform' },
  ];
  for (const { f, owner } of tableFiles) {
    const block = /export type \w+Tables = \{([^}]*)\}/.exec(readFileSync(f, 'utf8'))?.[1] ?? '';
    for (const m of block.matchAll(/(\w+):/g)) {
      if (out.has(m[1])) throw new Error(`${m[1]} is declared by ${out.get(m[1])} and ${owner}`);
      out.set(m[1], owner);
    }
  }
  return out;
}

type Use = { table: string; write: boolean; file: string };

function usesIn(file: string): Use[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '');
  const rel = relative(root, file);
  const uses: Use[] = [];
  for (const m of text.matchAll(/\b(selectFrom|insertInto|updateTable|deleteFrom|innerJoin|leftJoin|rightJoin|table)\(\s*'([a-z_]+)/g)) {
    uses.push({ table: m[2], write: ['insertInto', 'updateTable', 'deleteFrom'].includes(m[1]), file: rel });
  }
  for (const m of text.matchAll(/\b(delete\s+from|insert\s+into|update|from|join|truncate)\s+([a-z_][a-z0-9_]*)\b/gi)) {
    uses.push({ table: m[2], write: !/^(from|join)$/i.test(m[1]), file: rel });
  }
  return uses;
}

describe('table ownership', () => {
  const tables = owners();

  it('gives every table exactly one owner, and every owner is a module or the platform', () => {
    const names = new Set([...allModules.map((m) => m.name), 'platform']);
    expect([...new Set(tables.values())].filter((o) => !names.has(o))).toEqual([]);
    expect(tables.size).toBeGreaterThan(40);
  });

  it("keeps each module's SQL to its own tables and the read side it declares", () => {
    const problems: string[] = [];
    for (const module of allModules) {
      const dir = join(root, 'modules', module.name);
      const reads = new Set(module.reads ?? []);
      for (const file of filesUnder(dir).filter((f) => !f.endsWith('.test.ts') && !f.endsWith('.tables.ts'))) {
        for (const use of usesIn(file)) {
          const owner = tables.get(use.table);
          if (!owner || owner === module.name || owner === 'platform') continue;
          if (use.write) problems.push(`${use.file} writes ${use.table} (owned by ${owner})`);
          else if (!reads.has(use.table)) problems.push(`${use.file} reads ${use.table} (owned by ${owner}) without declaring it in reads`);
        }
      }
      for (const t of reads)
        if (tables.get(t) === module.name || !tables.has(t))
          problems.push(`${module.name} declares a read of ${t}, not another module's table`);
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('finds a write into another module’s table (the check itself)', () => {
    const uses = usesIn(join(root, 'modules', 'commerce', 'imported.ts'));
    expect(uses.filter((u) => u.write).map((u) => u.table)).toEqual(
      expect.arrayContaining(['refunds', 'orders', 'order_items', 'products']),
    );
  });
});
