/**
 * Phase timings for benchmarks and slow runs: with LAKEKIT_TIMING set, `timing('label')` writes
 * `timing: label <ms since process start> ms` to stderr; otherwise it does nothing.
 */
const enabled = (): boolean => {
  const v = process.env['LAKEKIT_TIMING'];
  return v !== undefined && v !== '';
};

export function timing(label: string): void {
  if (enabled()) process.stderr.write(`timing: ${label} ${performance.now().toFixed(0)} ms\n`);
}
