/**
 * Retries of transient faults: a LakeError marked `retryable` (connection reset, deadlock,
 * serialization failure, HTTP 429/503, a lost commit race) is retried with exponential backoff and
 * full jitter; anything else fails at once.
 */
import { isLakeError } from '@lakekit/core';

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffSeconds: number;
  readonly maxBackoffSeconds: number;
}

/** Whether an error is worth retrying. */
export function isTransient(e: unknown): boolean {
  if (isLakeError(e)) return e.retryable;
  const code = (e as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'].includes(code)
  );
}

/** Runs `fn`, retrying transient failures per `policy`; `onRetry` hears of each retry. */
export async function withRetries<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= policy.attempts || !isTransient(e) || signal?.aborted) throw e;
      const cap = Math.min(policy.maxBackoffSeconds, policy.backoffSeconds * 2 ** (attempt - 1)) * 1000;
      const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
      onRetry?.(e, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
