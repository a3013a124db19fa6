import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  clusterDir,
  initCluster,
  startCluster,
  stopCluster,
  runningPid,
  isInitialised,
  freePort,
} from './embedded.js';

/** `$XDG_DATA_HOME/tenantctl`, else `~/.local/share/tenantctl`. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'tenantctl');
}

interface DevState {
  dataDir: string;
  port: number;
  url: string;
}

const stateFile = (env?: NodeJS.ProcessEnv) => path.join(dataHome(env), 'dev.json');

function readState(env?: NodeJS.ProcessEnv): DevState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(env), 'utf8')) as DevState;
  } catch {
    return undefined;
  }
}

export interface DevStatus {
  running: boolean;
  dataDir: string | null;
  port: number | null;
  url: string | null;
}

export function devStatus(env?: NodeJS.ProcessEnv): DevStatus {
  const s = readState(env);
  if (!s) return { running: false, dataDir: null, port: null, url: null };
  return {
    running: runningPid(s.dataDir) !== undefined,
    dataDir: s.dataDir,
    port: s.port,
    url: s.url,
  };
}

/** The dev database's URL when it is running; used when no connection is configured. */
export function runningDevUrl(env?: NodeJS.ProcessEnv): string | undefined {
  const s = devStatus(env);
  return s.running ? (s.url ?? undefined) : undefined;
}

/** Starts (initialising on first use) the dev cluster; keeps its port across restarts when free. */
export async function devUp(
  env?: NodeJS.ProcessEnv,
): Promise<DevStatus & { started: boolean; initialised: boolean }> {
  const prior = readState(env);
  if (prior && runningPid(prior.dataDir))
    return { ...devStatus(env), started: false, initialised: false };
  mkdirSync(dataHome(env), { recursive: true });
  const dataDir = prior?.dataDir ?? clusterDir(path.join(dataHome(env), 'dev', 'pgdata'));
  const initialised = !isInitialised(dataDir);
  if (initialised) await initCluster(dataDir);
  let port = prior?.port ?? (await freePort());
  try {
    await startCluster(dataDir, port);
  } catch (err) {
    if (!prior) throw err;
    port = await freePort(); // the old port was taken meanwhile
    await startCluster(dataDir, port);
  }
  const state: DevState = { dataDir, port, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
  writeFileSync(stateFile(env), JSON.stringify(state, null, 2));
  return { running: true, ...state, started: true, initialised };
}

export async function devDown(
  env?: NodeJS.ProcessEnv,
  opts: { destroy?: boolean } = {},
): Promise<{ stopped: boolean; destroyed: boolean }> {
  const s = readState(env);
  if (!s) return { stopped: false, destroyed: false };
  const wasRunning = runningPid(s.dataDir) !== undefined;
  await stopCluster(s.dataDir);
  if (opts.destroy) {
    rmSync(s.dataDir, { recursive: true, force: true });
    if (existsSync(stateFile(env))) rmSync(stateFile(env));
  }
  return { stopped: wasRunning, destroyed: !!opts.destroy };
}
