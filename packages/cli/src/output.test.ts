import { describe, expect, it } from 'vitest';
import { formatTable } from './output.js';

describe('formatTable', () => {
  it('aligns columns to their widest cell', () => {
    expect(
      formatTable(
        ['id', 'name'],
        [
          [1, 'ann'],
          [1234, null],
          [7, 'a longer name'],
        ],
      ),
    ).toBe(
      ['id    name', '----  -------------', '1     ann', '1234  NULL', '7     a longer name'].join('\n'),
    );
  });

  it('renders hundreds of thousands of rows (no argument spread of every row)', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => [i]);
    const text = formatTable(['n'], rows);
    const lines = text.split('\n');
    expect(lines).toHaveLength(300_002);
    expect(lines[1]).toBe('------');
    expect(lines.at(-1)).toBe('299999');
  });
});
