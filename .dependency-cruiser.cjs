/**
 * The one-way dependency rule of src/ (docs/architecture.md):
 *
 *   cli -> fleet -> capabilities -> control -> pg -> shared
 *
 * fleet: the servers, placement and routing; it runs the capabilities against each server's Ctx.
 * capabilities: provision, migrate, access, suspend, rename, archive, inspect, verify, demo (and dev,
 * process management for the embedded server, which needs only shared). A layer may import its own
 * layer and any layer below it, never above; capabilities may use each other without cycles.
 * Terminal libraries (chalk, ora, inquirer, commander) belong to cli only.
 */
const CAPABILITIES = '(provision|migrate|access|suspend|rename|archive|inspect|verify|demo|dev)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-is-a-leaf',
      comment: 'src/shared (errors, config, names, durations) imports nothing else of src.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'pg-below-control',
      comment: 'src/pg is PostgreSQL plumbing: it knows no control schema, capability or CLI.',
      severity: 'error',
      from: { path: '^src/pg/' },
      to: { path: '^src/', pathNot: '^src/(pg|shared)/' },
    },
    {
      name: 'control-below-capabilities',
      comment:
        'src/control (registry, audit, locks, the tenant frame, the fan-out) uses pg and shared only.',
      severity: 'error',
      from: { path: '^src/control/' },
      to: { path: '^src/', pathNot: '^src/(control|pg|shared)/' },
    },
    {
      name: 'dev-is-process-management',
      comment: 'src/dev starts and stops embedded PostgreSQL; it needs shared only.',
      severity: 'error',
      from: { path: '^src/dev/' },
      to: { path: '^src/', pathNot: '^src/(dev|shared)/' },
    },
    {
      name: 'capabilities-below-fleet',
      comment:
        'No capability imports the fleet or the CLI: a capability works on one server (a Ctx); the fleet decides which.',
      severity: 'error',
      from: { path: `^src/${CAPABILITIES}/` },
      to: { path: '^src/(cli|fleet)/' },
    },
    {
      name: 'fleet-below-cli',
      comment: 'src/fleet returns data and reports through a Reporter; it never imports the CLI.',
      severity: 'error',
      from: { path: '^src/fleet/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'terminal-libraries-in-cli-only',
      comment: 'Colour, spinners, prompts and argument parsing live in src/cli.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: 'node_modules/(chalk|ora|@inquirer|inquirer|commander)/' },
    },
    {
      name: 'no-circular',
      comment: 'Capabilities may use each other, but never in a circle.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
