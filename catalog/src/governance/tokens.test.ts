import { describe, expect, it } from 'vitest';
import { newToken, parseToken } from './tokens.js';

describe('tokens', () => {
  it('ids never start with "-" (a command line would read one as an option)', () => {
    for (let i = 0; i < 2000; i++) expect(newToken().id.startsWith('-')).toBe(false);
  });

  it('a token parses back to its id and secret', () => {
    const t = newToken();
    expect(parseToken(t.token)?.id).toBe(t.id);
  });
});
