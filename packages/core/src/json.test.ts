import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson, stringifyJsonSafe } from './json.js';

describe('big-integer-safe JSON', () => {
  it('keeps 63-bit snapshot ids exact through parse and stringify', () => {
    const text = '{"snapshot-id":9223372036854775807,"small":42,"f":1.5}';
    const v = parseJson(text) as Record<string, unknown>;
    expect(v['snapshot-id']).toBe(9223372036854775807n);
    expect(v['small']).toBe(42);
    expect(stringifyJson(v)).toBe(text);
  });
  it('prints bigints as strings for plain JSON consumers', () => {
    expect(stringifyJsonSafe({ id: 2n ** 62n })).toBe('{"id":"4611686018427387904"}');
  });
});
