/**
 * API tokens: `lk_<id>_<secret>` with a 12-character url-safe public id and a secret of 32 random
 * bytes (base64url). Only sha256(secret) is stored; checks compare hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'lk_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 43; // 32 bytes in base64url without padding
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

/** A fresh token: its public id, the bearer text and the hash to store. */
export function newToken(): { id: string; token: string; hash: string } {
  let id = randomBytes(9).toString('base64url');
  // An id starting with `-` reads as an option on a command line (`lake principal token revoke <id>`).
  while (id.startsWith('-')) id = randomBytes(9).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${PREFIX}${id}_${secret}`, hash: hashSecret(secret) };
}

/** sha256 hex of a token secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits a bearer token into id and secret; undefined when it is not of our format. */
export function parseToken(bearer: string): { id: string; secret: string } | undefined {
  const text = bearer.trim();
  if (text.length !== PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH || !text.startsWith(PREFIX))
    return undefined;
  const id = text.slice(PREFIX.length, PREFIX.length + ID_LENGTH);
  if (text[PREFIX.length + ID_LENGTH] !== '_') return undefined;
  const secret = text.slice(PREFIX.length + ID_LENGTH + 1);
  if (!URL_SAFE.test(id) || !URL_SAFE.test(secret)) return undefined;
  return { id, secret };
}

/** Whether `secret` hashes to `storedHash` (constant time in the hash). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
