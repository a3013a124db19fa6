import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';
import { PREFIX_RE, IDENT_RE } from './names.js';
import { parseDuration } from './duration.js';

export interface Settings {
  schemaPrefix: string;
  controlSchema: string;
  template: string;
  /** Tenant migrations; undefined when none are configured. */
  migrationsDir?: string;
  concurrency: number;
  lockTimeoutMs: number;
  /** Where relative paths in the config file are resolved from. */
  baseDir: string;
}

export const DEFAULTS = {
  schemaPrefix: 'org_',
  controlSchema: 'tenantctl',
  template: 'default',
  concurrency: 4,
  lockTimeout: '5s',
} as const;

export const CONFIG_FILE = 'tenantctl.config.json';
const KNOWN_KEYS = [
  'schemaPrefix',
  'controlSchema',
  'template',
  'migrationsDir',
  'concurrency',
  'lockTimeout',
  '$schema',
];

/** Values from flags or environment (commander's .env()) for the settings a command may override. */
export interface SettingOverrides {
  schemaPrefix?: string;
  controlSchema?: string;
  template?: string;
  migrationsDir?: string;
  concurrency?: string | number;
  lockTimeout?: string | number;
}

function readConfigFile(
  file: string,
  explicit: boolean,
  problems: string[],
): Record<string, unknown> {
  if (!existsSync(file)) {
    if (explicit) problems.push(`config file ${file} does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`config file ${file} must hold a JSON object`);
    return {};
  }
  for (const key of Object.keys(parsed)) {
    if (!KNOWN_KEYS.includes(key))
      problems.push(`${file}: unknown key "${key}" (known: ${KNOWN_KEYS.slice(0, -1).join(', ')})`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Flags beat environment beat config file beat defaults. Every problem is collected and reported
 * at once, before anything touches the database.
 */
export function resolveSettings(
  overrides: SettingOverrides,
  configPath?: string,
  cwd = process.cwd(),
  /** Where each override came from when not a flag, e.g. TENANTCTL_LOCK_TIMEOUT, for messages. */
  labels: Partial<Record<keyof SettingOverrides, string>> = {},
): Settings {
  const problems: string[] = [];
  const file = path.resolve(cwd, configPath ?? CONFIG_FILE);
  const fromFile = readConfigFile(file, configPath !== undefined, problems);
  const baseDir = configPath !== undefined ? path.dirname(file) : cwd;

  const pick = <K extends keyof SettingOverrides>(key: K): { value: unknown; from: string } => {
    if (overrides[key] !== undefined)
      return { value: overrides[key], from: labels[key] ?? `--${kebab(key)}` };
    if (fromFile[key] !== undefined)
      return { value: fromFile[key], from: `${path.basename(file)} "${key}"` };
    return { value: (DEFAULTS as Record<string, unknown>)[key], from: 'default' };
  };

  const str = (
    key: keyof SettingOverrides,
    re: RegExp | null,
    rule: string,
  ): string | undefined => {
    const { value, from } = pick(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || (re && !re.test(value))) {
      problems.push(`${from}: invalid value ${JSON.stringify(value)}; expected ${rule}`);
      return undefined;
    }
    return value;
  };

  const schemaPrefix = str(
    'schemaPrefix',
    PREFIX_RE,
    'lower-case letters, digits and "_", starting with a letter or "_", at most 30 characters',
  );
  const controlSchema = str(
    'controlSchema',
    IDENT_RE,
    'a lower-case identifier (letters, digits, "_")',
  );
  const template = str('template', /\S/, 'a template name or directory');
  const migrationsDirRaw = str('migrationsDir', /\S/, 'a directory');

  const conc = pick('concurrency');
  const concurrency = Number(conc.value);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    problems.push(
      `${conc.from}: invalid concurrency ${JSON.stringify(conc.value)}; expected a whole number from 1 to 64`,
    );
  }
  const lt = pick('lockTimeout');
  const lockTimeoutMs =
    typeof lt.value === 'string' || typeof lt.value === 'number' ? parseDuration(lt.value) : null;
  // 0 means "wait forever" to PostgreSQL; a bounded wait is the point of this setting.
  if (lockTimeoutMs === null || lockTimeoutMs < 1 || lockTimeoutMs > 2_147_483_647) {
    problems.push(
      `${lt.from}: invalid lock timeout ${JSON.stringify(lt.value)}; expected a duration from 1ms, such as 5s, 500ms or 2min`,
    );
  }
  if (schemaPrefix && controlSchema?.startsWith(schemaPrefix)) {
    problems.push(
      `control schema "${controlSchema}" must not start with the tenant prefix "${schemaPrefix}"`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems);

  return {
    schemaPrefix: schemaPrefix!,
    controlSchema: controlSchema!,
    // A template given as a path in the config file is relative to that file, like migrationsDir.
    template:
      overrides.template === undefined && template !== undefined && /[/\\]|^\./.test(template)
        ? path.resolve(baseDir, template)
        : template!,
    migrationsDir:
      migrationsDirRaw === undefined
        ? undefined
        : path.resolve(overrides.migrationsDir !== undefined ? cwd : baseDir, migrationsDirRaw),
    concurrency,
    lockTimeoutMs: lockTimeoutMs!,
    baseDir,
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
