import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { initCluster, startCluster, stopCluster, freePort } from '../../src/dev/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}

/**
 * TEST_DATABASE_URL when set (any server we may create databases and roles on); otherwise one
 * embedded PostgreSQL for the whole run, thrown away at the end.
 */
export default async function setup(project: TestProject) {
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
