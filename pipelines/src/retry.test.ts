import { CommitConflictError, DataError, SourceError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { isTransient, withRetries } from './retry.js';

const fast = { attempts: 4, backoffSeconds: 0.001, maxBackoffSeconds: 0.01 };

describe('withRetries', () => {
  it('retries transient faults with backoff until one attempt succeeds', async () => {
    const seen: number[] = [];
    const delays: number[] = [];
    const result = await withRetries(
      fast,
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new SourceError('connection reset', { retryable: true });
        return 'ok';
      },
      (_e, _a, delay) => delays.push(delay),
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(delays.length).toBe(2);
  });

  it('fails at once on a terminal error, and after the last attempt on a transient one', async () => {
    let calls = 0;
    await expect(
      withRetries(fast, async () => {
        calls++;
        throw new DataError('value does not fit');
      }),
    ).rejects.toThrow('value does not fit');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetries(fast, async () => {
        calls++;
        throw new SourceError('HTTP 503', { retryable: true });
      }),
    ).rejects.toThrow('HTTP 503');
    expect(calls).toBe(4);
  });

  it('classifies errors: retryable LakeErrors, lost commit races and socket resets are transient', () => {
    expect(isTransient(new SourceError('x', { retryable: true }))).toBe(true);
    expect(isTransient(new SourceError('wrong password', { auth: true }))).toBe(false);
    expect(isTransient(new CommitConflictError('race'))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(new Error('plain'))).toBe(false);
  });
});
