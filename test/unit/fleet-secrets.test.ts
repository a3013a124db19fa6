import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { keyId, loadKey, parseKey, seal, unseal } from '../../src/fleet/secrets.js';
import {
  checkServerUrl,
  connectionUrl,
  redactUrl,
  serverNameProblem,
  serverTarget,
} from '../../src/fleet/servers.js';
import { chooseServer, refusalOf, noServerError } from '../../src/fleet/placement.js';
import { UsageError } from '../../src/shared/errors.js';

const raw = randomBytes(32);
const hex = raw.toString('hex');
const b64 = raw.toString('base64');

describe('secret keys', () => {
  it('reads 32 bytes as hex or base64, with the same id either way', () => {
    const a = parseKey(hex, 'X');
    const b = parseKey(` ${b64}\n`, 'X');
    expect(a.key.equals(raw)).toBe(true);
    expect(b.key.equals(raw)).toBe(true);
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}$/);
    expect(a.id).toBe(keyId(raw));
  });

  it('refuses a key of the wrong length or form, naming where it came from and what is accepted', () => {
    for (const bad of [
      '',
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      'not base64 !!',
    ])
      expect(() => parseKey(bad, 'TENANTCTL_SECRET_KEY')).toThrow(
        /TENANTCTL_SECRET_KEY is not a valid key: expected 32 bytes, as 64 hex digits or base64/,
      );
  });

  it('loads from the variable or the file, refuses both at once, undefined when neither', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tctl-key-'));
    const file = path.join(dir, 'key');
    writeFileSync(file, `${b64}\n`, { mode: 0o600 });
    expect(loadKey({})).toBeUndefined();
    expect(loadKey({ TENANTCTL_SECRET_KEY: hex })?.id).toBe(keyId(raw));
    expect(loadKey({ TENANTCTL_SECRET_KEY_FILE: file })?.id).toBe(keyId(raw));
    expect(loadKey({ TENANTCTL_OLD_SECRET_KEY: hex }, 'old')?.id).toBe(keyId(raw));
    expect(loadKey({ TENANTCTL_OLD_SECRET_KEY: hex })).toBeUndefined();
    expect(() => loadKey({ TENANTCTL_SECRET_KEY: hex, TENANTCTL_SECRET_KEY_FILE: file })).toThrow(
      /both TENANTCTL_SECRET_KEY and TENANTCTL_SECRET_KEY_FILE are set/,
    );
    expect(() => loadKey({ TENANTCTL_SECRET_KEY_FILE: path.join(dir, 'none') })).toThrow(
      UsageError,
    );
  });
});

describe('AES-256-GCM sealing of server passwords', () => {
  const key = parseKey(hex, 'TENANTCTL_SECRET_KEY');
  const other = parseKey(randomBytes(32).toString('hex'), 'TENANTCTL_SECRET_KEY');

  it('round-trips, with a fresh IV each time and no plaintext in the sealed bytes', () => {
    const a = seal(key, 's1', 'correct horse');
    const b = seal(key, 's1', 'correct horse');
    expect(unseal(key, 's1', a)).toBe('correct horse');
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.keyId).toBe(key.id);
    expect(Buffer.concat([a.iv, a.tag, a.ciphertext]).includes('correct horse')).toBe(false);
  });

  it('refuses a wrong key by id, before trying it; no key at all; an altered or moved ciphertext', () => {
    const s = seal(key, 's1', 'pw');
    expect(() => unseal(other, 's1', s)).toThrow(
      `server "s1": its password is encrypted with key ${key.id}, but TENANTCTL_SECRET_KEY is key ${other.id}`,
    );
    expect(() => unseal(undefined, 's1', s)).toThrow(
      /stored encrypted \(key [0-9a-f]{8}\) and no key is configured/,
    );
    const flipped = { ...s, ciphertext: Buffer.from(s.ciphertext) };
    flipped.ciphertext[0] ^= 1;
    expect(() => unseal(key, 's1', flipped)).toThrow(/fails authentication/);
    // the server's name is authenticated data: a row's ciphertext copied to another server fails
    expect(() => unseal(key, 's2', s)).toThrow(/fails authentication/);
  });
});

describe('server URLs', () => {
  it('refuses a URL carrying a password, without echoing it', () => {
    for (const url of [
      'postgres://app:s3cret@db.example:5432/app',
      'postgres://app@db.example/app?password=s3cret',
      'postgresql://app@db.example/app?sslpassword=s3cret',
    ]) {
      let err: unknown;
      try {
        checkServerUrl(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/carries a password/);
      expect((err as Error).message).not.toContain('s3cret');
      expect((err as UsageError).hint).toMatch(/--password-env.*--password-stdin.*pgpass/);
    }
    expect(() => checkServerUrl('mysql://x@y/z')).toThrow(/invalid server URL/);
    expect(checkServerUrl(' postgres://app@db.example:5433/app?sslmode=require ')).toBe(
      'postgres://app@db.example:5433/app?sslmode=require',
    );
  });

  it('prints URLs without passwords, whatever they carried', () => {
    expect(redactUrl('postgres://u:pw@h:1/d?password=pw&sslmode=require')).toBe(
      'postgres://u@h:1/d?sslmode=require',
    );
    expect(
      connectionUrl({
        config: { connectionString: 'postgres://u:pw@h/d' },
        label: '',
        source: 'DATABASE_URL',
      }),
    ).toBe('postgres://u@h/d');
    expect(
      connectionUrl({
        config: { host: 'h', port: 5433, user: 'u', database: 'd', password: 'pw' },
        label: '',
        source: 'PG environment',
      }),
    ).toBe('postgres://u@h:5433/d');
    expect(
      connectionUrl({
        config: { host: '/var/run/postgresql', port: 5432, user: 'u', database: 'd' },
        label: '',
        source: 'PG environment',
      }),
    ).toBe('postgres://u@/d?host=%2Fvar%2Frun%2Fpostgresql&port=5432');
  });

  it("a server's connection gives only its own password, never PGPASSWORD, and has a connect timeout", async () => {
    const t = serverTarget('s1', 'postgres://app@db.example:5433/app', () => 'own', {
      PGCONNECT_TIMEOUT: '3',
    });
    const cfg = t.config as Record<string, unknown>;
    expect(cfg.connectionString).toBeUndefined();
    expect(cfg).toMatchObject({ host: 'db.example', port: 5433, user: 'app', database: 'app' });
    expect(await (cfg.password as () => Promise<string>)()).toBe('own');
    expect(cfg.connectionTimeoutMillis).toBe(3000);
    expect(t).toMatchObject({ label: 'db.example:5433/app', source: 'server s1' });
    expect(serverTarget('s', 'postgres://a@b/c', () => 'x', {}).config).toMatchObject({
      connectionTimeoutMillis: 10_000,
    });
  });

  it('server names follow the slug rule', () => {
    expect(serverNameProblem('eu-1')).toBeNull();
    expect(serverNameProblem('EU 1')).toMatch(/invalid server name "EU 1"/);
    expect(serverNameProblem('a'.repeat(64))).toMatch(/at most 63/);
  });
});

describe('placement choice', () => {
  const srv = (name: string, tenants: number, extra: object = {}) => ({
    name,
    tenants,
    state: 'active' as const,
    dedicated: false,
    maxTenants: null as number | null,
    ...extra,
  });
  const probe = (bytes: Record<string, number> = {}, unreachable: Record<string, string> = {}) => ({
    bytes: new Map(Object.entries(bytes)),
    unreachable: new Map(Object.entries(unreachable)),
  });

  it('fewest tenants, then smallest size, then name; skips draining, dedicated, full, unreachable', () => {
    expect(chooseServer([srv('b', 2), srv('a', 3)], probe())).toBe('b');
    expect(chooseServer([srv('b', 2), srv('a', 2)], probe({ a: 900, b: 100 }))).toBe('b');
    expect(chooseServer([srv('b', 2), srv('a', 2)], probe({ a: 100, b: 100 }))).toBe('a');
    expect(
      chooseServer(
        [
          srv('a', 0, { state: 'draining' }),
          srv('b', 0, { dedicated: true }),
          srv('c', 5, { maxTenants: 5 }),
          srv('d', 0),
          srv('e', 9),
        ],
        probe({}, { d: 'connection refused' }),
      ),
    ).toBe('e');
    expect(chooseServer([srv('a', 0, { state: 'draining' })], probe())).toBeUndefined();
  });

  it('a named server refuses when draining, full, or dedicated beyond its one tenant', () => {
    expect(refusalOf(srv('a', 0))).toBeNull();
    expect(refusalOf(srv('a', 0, { state: 'draining' }))).toMatch(/draining/);
    expect(refusalOf(srv('a', 0, { dedicated: true }))).toBeNull();
    expect(refusalOf(srv('a', 0, { dedicated: true }), 2)).toMatch(/dedicated: it takes one/);
    expect(refusalOf(srv('a', 1, { dedicated: true }))).toMatch(/already holds its one tenant/);
    expect(refusalOf(srv('a', 4, { maxTenants: 5 }))).toBeNull();
    expect(refusalOf(srv('a', 4, { maxTenants: 5 }), 2)).toMatch(/full: it holds 4 of at most 5/);
    expect(
      noServerError([srv('a', 0, { state: 'draining' }), srv('b', 0, { dedicated: true })], probe())
        .message,
    ).toBe(
      'no server can take a new tenant (a: draining: it takes no new tenants; b: dedicated (only with --server))',
    );
  });
});
