import { mkdtempSync, rmSync, chmodSync, statSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { initCluster, startCluster, stopCluster, freePort } from '../../src/dev/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Newest modification time under a path (a file, or a directory walked recursively). */
function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

/**
 * End-to-end tests run the built CLI (bin/tenantctl loads dist/bundle): when anything it is built
 * from is newer than the bundle, build first, so `vitest` alone never tests a stale CLI.
 */
function buildIfStale(): void {
  const bundle = path.join(ROOT, 'dist', 'bundle', 'main.js');
  let built = -1;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    // never built
  }
  const inputs = ['src', 'scripts', 'package.json', 'tsconfig.json'].map((p) => path.join(ROOT, p));
  if (built >= Math.max(...inputs.map(newest))) return;
  process.stderr.write('tests: the CLI build is older than its sources; building first\n');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * TEST_DATABASE_URL when set (any server we may create databases and roles on); otherwise one
 * embedded PostgreSQL for the whole run, thrown away at the end.
 */
export default async function setup(project: TestProject) {
  buildIfStale();
  if (process.env.TEST_DATABASE_URL) {
    project.provide('adminUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-test-'));
  // As root the server runs as the postgres OS user, which must be able to enter this directory.
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'pgdata');
  await initCluster(dataDir);
  const cluster = await startCluster(dataDir, await freePort());
  process.stderr.write(`tests: embedded PostgreSQL at ${cluster.url}\n`);
  project.provide('adminUrl', cluster.url);
  return async () => {
    await stopCluster(dataDir);
    rmSync(dir, { recursive: true, force: true });
  };
}
