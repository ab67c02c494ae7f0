/**
 * Globs of the files connector, matched against paths relative to the source's folder (`/`
 * separated, also for S3 keys): `*` and `?` stay within a folder, `**` crosses folders, `{a,b}`
 * alternatives and `[abc]` classes as in a shell.
 */

const GLOB_CHARS = /[*?[{]/;

/** Whether `text` holds glob characters. */
export function isGlob(text: string): boolean {
  return GLOB_CHARS.test(text);
}

/** The glob as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` anything.
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += c.replace(/[.+^$()|\\\]}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A location split into the folder without glob characters and the glob below it (`*` for a folder). */
export function splitGlob(location: string): { root: string; pattern: string | undefined } {
  const parts = location.split('/');
  const first = parts.findIndex((p) => isGlob(p));
  if (first < 0) return { root: location, pattern: undefined };
  return { root: parts.slice(0, first).join('/'), pattern: parts.slice(first).join('/') };
}
