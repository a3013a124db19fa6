import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSettings } from '../../src/shared/config.js';
import { UsageError } from '../../src/shared/errors.js';
import { parseDuration } from '../../src/shared/duration.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'tctl-cfg-'));

describe('settings', () => {
  it('uses defaults without a config file', () => {
    const s = resolveSettings({}, undefined, dir());
    expect(s).toMatchObject({
      schemaPrefix: 'org_',
      controlSchema: 'tenantctl',
      template: 'default',
      concurrency: 4,
      lockTimeoutMs: 5000,
    });
    expect(s.migrationsDir).toBeUndefined();
  });

  it('flags (and environment, through commander) beat the config file', () => {
    const d = dir();
    writeFileSync(
      path.join(d, 'tenantctl.config.json'),
      JSON.stringify({ schemaPrefix: 't_', concurrency: 8, migrationsDir: 'db/m' }),
    );
    const s = resolveSettings({ concurrency: '2' }, undefined, d);
    expect(s.schemaPrefix).toBe('t_');
    expect(s.concurrency).toBe(2);
    expect(s.migrationsDir).toBe(path.join(d, 'db/m'));
  });

  it('lists every problem of an invalid config at once', () => {
    const d = dir();
    writeFileSync(
      path.join(d, 'tenantctl.config.json'),
      JSON.stringify({
        schemaPrefix: 'Bad-Prefix',
        concurrency: 0,
        lockTimeout: 'soon',
        colour: true,
      }),
    );
    try {
      resolveSettings({}, undefined, d);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const problems = (err as UsageError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/unknown key "colour"/);
      expect(problems.join('\n')).toMatch(/schemaPrefix/);
      expect(problems.join('\n')).toMatch(/concurrency/);
      expect(problems.join('\n')).toMatch(/lock timeout "soon"/);
    }
  });

  it('refuses a missing explicit config file and broken JSON', () => {
    expect(() => resolveSettings({}, 'nope.json', dir())).toThrow(/does not exist/);
    const d = dir();
    writeFileSync(path.join(d, 'c.json'), '{ nope');
    expect(() => resolveSettings({}, 'c.json', d)).toThrow(/not valid JSON/);
  });

  it('parses durations', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2min')).toBe(120000);
    expect(parseDuration('100')).toBe(100);
    expect(parseDuration('soon')).toBeNull();
  });
});
