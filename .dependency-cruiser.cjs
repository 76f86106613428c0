/** Import boundaries: a module is reached only through its index.ts. */
module.exports = {
  forbidden: [
    {
      name: 'module-internals',
      comment: 'Import another module only through its index.ts (server/modules/<name>/index.ts).',
      severity: 'error',
      from: { path: '^server/modules/([^/]+)/' },
      to: { path: '^server/modules/([^/]+)/(?!index\\.ts$)', pathNot: '^server/modules/$1/' },
    },
    {
      name: 'outside-into-module-internals',
      comment: 'Code outside server/modules uses a module only through its index.ts.',
      severity: 'error',
      from: { pathNot: '^server/modules/' },
      to: { path: '^server/modules/[^/]+/(?!index\\.ts$)', pathNot: '\\.(test|tables)\\.ts$' },
    },
    {
      name: 'platform-is-below-modules',
      comment: 'server/platform, server/db, server/jobs and server/events must not depend on business modules.',
      severity: 'error',
      from: { path: '^server/(platform|db|jobs|events)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^server/modules/', pathNot: '\\.tables\\.ts$' },
    },
    {
      name: 'table-files-only-types',
      comment: "Kysely's Database is assembled from the modules' table files (server/db/schema.ts); nothing else reaches in.",
      severity: 'error',
      from: { pathNot: ['^server/db/schema\\.ts$', '^server/modules/'] },
      to: { path: '^server/modules/.*\\.tables\\.ts$' },
    },
    {
      name: 'web-not-server',
      comment: 'The web app talks to the server over HTTP; it may share contracts only.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(server|cli)/' },
    },
    {
      name: 'cli-not-sql',
      comment: 'The CLI calls module index APIs, never the database layer directly.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^server/db/(?!index\\.ts$)' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(node_modules|web/dist)' },
  },
};
