import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/embedded.js';

/** Debian's pgbouncer package (`.ci/run` installs it); undefined when it is not there. */
export const PGBOUNCER = [
  '/usr/sbin/pgbouncer',
  '/usr/bin/pgbouncer',
  '/usr/local/bin/pgbouncer',
].find(existsSync);

export interface PgBouncer {
  port: number;
  /** The URL of `database` through the pooler. */
  url(database: string, user?: string): string;
  stop(): Promise<void>;
}

/** pgbouncer refuses to run as root: as root it runs as the postgres OS user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * A PgBouncer of the test's own in front of `server` (host:port), trusting the given users, in
 * transaction mode unless told otherwise. Stop it in finally.
 */
export async function startPgBouncer(opts: {
  host: string;
  port: number;
  /** User names, or name and password when the server wants one (PgBouncer logs in with it). */
  users: (string | { name: string; password: string })[];
  mode?: 'transaction' | 'session';
}): Promise<PgBouncer> {
  if (!PGBOUNCER) throw new Error('pgbouncer is not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-pgbouncer-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const ini = path.join(dir, 'pgbouncer.ini');
  const users = path.join(dir, 'users.txt');
  const line = (u: string | { name: string; password: string }) =>
    typeof u === 'string' ? `"${u}" ""` : `"${u.name}" "${u.password}"`;
  writeFileSync(users, `${opts.users.map(line).join('\n')}\n`, { mode: 0o644 });
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${opts.host} port=${opts.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      'auth_type = trust',
      `auth_file = ${users}`,
      `pool_mode = ${opts.mode ?? 'transaction'}`,
      'max_client_conn = 200',
      'default_pool_size = 20',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const ids = runAs();
  if (ids) chmodSync(dir, 0o777);
  const child: ChildProcess = spawn(PGBOUNCER, [ini], {
    uid: ids?.uid,
    gid: ids?.gid,
    stdio: 'ignore',
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let i = 0; i < 100 && !(await listening(port)); i++) {
    if (exited) throw new Error(`pgbouncer exited at start; see ${dir}/pgbouncer.log`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: (database, user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.on('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
