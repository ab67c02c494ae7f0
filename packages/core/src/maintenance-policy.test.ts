import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { ConfigError, UsageError } from './errors.js';
import {
  maintenancePolicyFor,
  parseDuration,
  parseSize,
  tryParseDuration,
  tryParseSize,
} from './maintenance-policy.js';

const opts = { baseDir: '/proj', env: { RETAIN: '4' }, source: 'lakekit.yaml' };

function configError(raw: unknown): ConfigError {
  try {
    resolveConfig(raw, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('maintenance policy', () => {
  it('parses durations and sizes', () => {
    expect(tryParseDuration('7d')).toBe(7 * 86_400_000);
    expect(tryParseDuration('12h')).toBe(12 * 3_600_000);
    expect(tryParseDuration('30m')).toBe(30 * 60_000);
    expect(tryParseDuration('45s')).toBe(45_000);
    expect(tryParseDuration('0d')).toBe(0);
    for (const bad of ['7', 'd', '7 days', '-1d', '1.5h', '7D'])
      expect(tryParseDuration(bad)).toBeUndefined();
    expect(tryParseSize('128MB')).toBe(128 * 1024 * 1024);
    expect(tryParseSize('1GiB')).toBe(1024 ** 3);
    expect(tryParseSize('512kb')).toBe(512 * 1024);
    expect(tryParseSize('1000')).toBe(1000);
    for (const bad of ['0', 'MB', '12XB', '-1MB']) expect(tryParseSize(bad)).toBeUndefined();
    expect(() => parseDuration('7x', '--older-than')).toThrow(UsageError);
    expect(() => parseSize('big', '--target-file-size')).toThrow(/--target-file-size: invalid size "big"/);
  });

  it('resolves defaults and per-table policies to camelCase, ms and bytes', () => {
    const c = resolveConfig(
      {
        maintenance: {
          defaults: { expire_older_than: '7d', retain_last: 10, compact: 'false' },
          tables: {
            'crm.accounts': {
              expire_older_than: '12h',
              retain_last: '${RETAIN}',
              orphan_older_than: '3d',
              compact: true,
              target_file_size: '64MB',
              rewrite_manifests_at: 50,
            },
          },
        },
      },
      opts,
    );
    expect(c.maintenance).toEqual({
      schedule: '0 3 * * *',
      timezone: 'UTC',
      defaults: { expireOlderThanMs: 7 * 86_400_000, retainLast: 10, compact: false },
      tables: {
        'crm.accounts': {
          expireOlderThanMs: 12 * 3_600_000,
          retainLast: 4,
          orphanOlderThanMs: 3 * 86_400_000,
          compact: true,
          targetFileSizeBytes: 64 * 1024 * 1024,
          rewriteManifestsAt: 50,
        },
      },
    });
    expect(maintenancePolicyFor(c.maintenance, 'crm.other')).toEqual(c.maintenance!.defaults);
    expect(maintenancePolicyFor(c.maintenance, 'crm.accounts')).toMatchObject({
      retainLast: 4,
      compact: true,
    });
    expect(maintenancePolicyFor(undefined, 'crm.accounts')).toEqual({});
    expect(resolveConfig({}, opts).maintenance).toBeUndefined();
  });

  it('names the key path of an unknown key, a bad duration, size, count or table name', () => {
    const unknown = configError({ maintenance: { tables: { 'crm.accounts': { expire_older_thn: '7d' } } } });
    expect(unknown.message).toMatch(
      /unknown key "expire_older_thn" in maintenance\.tables\.crm\.accounts \(did you mean "expire_older_than"\?\); allowed: expire_older_than, retain_last/,
    );
    expect(configError({ maintenance: { default: {} } }).message).toMatch(
      /unknown key "default" in maintenance \(did you mean "defaults"\?\)/,
    );
    expect(configError({ maintenance: { defaults: { expire_older_than: '7 days' } } }).message).toBe(
      'lakekit.yaml: maintenance.defaults.expire_older_than: invalid duration "7 days": expected a whole number and a unit (ms, s, m, h, d, w), e.g. 7d, 12h, 30m',
    );
    expect(configError({ maintenance: { defaults: { target_file_size: 'huge' } } }).message).toMatch(
      /^lakekit\.yaml: maintenance\.defaults\.target_file_size: invalid size "huge"/,
    );
    expect(configError({ maintenance: { defaults: { retain_last: 0 } } }).message).toMatch(
      /maintenance\.defaults\.retain_last: must be a positive whole number, got 0/,
    );
    expect(configError({ maintenance: { tables: { accounts: {} } } }).message).toMatch(
      /maintenance\.tables\.accounts: "accounts" is not a table name/,
    );
    expect(configError({ maintenance: { defaults: { compact: 'yes' } } }).message).toMatch(
      /maintenance\.defaults\.compact: expected boolean, got string/,
    );
  });
});
