import { ConfigError, ForbiddenError, NotFoundError, QueryCancelledError, UsageError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { errorInfo, textTable, toolError } from './format.js';
import { parseOrder, redactor } from './tools.js';

describe('textTable', () => {
  it('renders a Markdown table with NULLs, escaped pipes and line breaks, and cut long cells', () => {
    const long = 'x'.repeat(250);
    expect(
      textTable(
        [{ name: 'a' }, { name: 'b|c' }],
        [
          [1, null],
          ['p|q', 'line\nbreak'],
          [{ k: 1 }, long],
        ],
      ),
    ).toBe(
      [
        '| a | b\\|c |',
        '|---|---|',
        '| 1 | NULL |',
        '| p\\|q | line\\nbreak |',
        `| {"k":1} | ${'x'.repeat(200)}… |`,
      ].join('\n'),
    );
  });
});

describe('errorInfo', () => {
  it('names the kind of each refusal and hides unexpected errors', () => {
    const cases: [unknown, string, string][] = [
      [new ForbiddenError('no'), 'denied', 'forbidden'],
      [new UsageError('bad'), 'invalid', 'usage'],
      [new ConfigError('bad model'), 'invalid', 'config_invalid'],
      [new QueryCancelledError('timeout', 'too long'), 'timed out', 'timeout'],
      [new QueryCancelledError('cancelled', 'gone'), 'cancelled', 'cancelled'],
      [new NotFoundError('receipt', 'none'), 'not found', 'receipt_not_found'],
    ];
    for (const [e, kind, code] of cases) {
      const info = errorInfo(e);
      expect([info.kind, info.code, info.unexpected]).toEqual([kind, code, false]);
      expect(toolError(info).content[0]!.text).toBe(`${kind}: ${(e as Error).message}`);
    }
    const odd = errorInfo(new Error('/secret/path exploded'));
    expect(odd).toEqual({
      code: 'internal',
      kind: 'internal error',
      message: 'see the server log',
      unexpected: true,
    });
    expect(toolError(odd).isError).toBe(true);
  });
});

describe('parseOrder', () => {
  it('reads a field with an optional direction, in words or after a colon', () => {
    expect(parseOrder('revenue')).toEqual({ field: 'revenue' });
    expect(parseOrder('revenue desc')).toEqual({ field: 'revenue', direction: 'desc' });
    expect(parseOrder('revenue:ASC')).toEqual({ field: 'revenue', direction: 'asc' });
    expect(parseOrder('top selling')).toEqual({ field: 'top selling' });
    expect(parseOrder(' top selling desc ')).toEqual({ field: 'top selling', direction: 'desc' });
    expect(parseOrder({ field: 'units', direction: 'asc' })).toEqual({ field: 'units', direction: 'asc' });
    expect(parseOrder({ field: 'units' })).toEqual({ field: 'units' });
  });
});

describe('redactor', () => {
  it('replaces the names as words, in any case, and leaves other words alone', () => {
    const r = redactor(['ssn', 'e.mail']);
    expect(r('not_null(ssn): 3 rows where SSN is null; ssnx and assn stay')).toBe(
      'not_null(<hidden column>): 3 rows where <hidden column> is null; ssnx and assn stay',
    );
    expect(r('e.mail and email')).toBe('<hidden column> and email');
    expect(redactor([])('ssn')).toBe('ssn');
  });
});
