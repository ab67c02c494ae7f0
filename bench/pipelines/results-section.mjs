// bench/RESULTS.md holds one `## ` section per benchmark script. This replaces the section that starts
// with `heading` up to the next `## ` heading (or appends it at the end), leaving the others as they
// are, whatever their order.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Replaces (or appends) the section of `file` that starts with the line `heading` by `section`. */
export function writeSection(file, heading, section) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.startsWith(`${heading}\n`) ? 0 : current.indexOf(`\n${heading}\n`);
  const body = `${section.trimEnd()}\n`;
  if (start < 0) {
    writeFileSync(file, `${current.trimEnd()}\n\n${body}`);
    return;
  }
  const from = start === 0 ? 0 : start + 1;
  const next = current.indexOf('\n## ', from + heading.length);
  const before = current.slice(0, from);
  const after = next < 0 ? '' : `\n${current.slice(next + 1)}`;
  writeFileSync(file, `${before}${body}${after}`);
}
