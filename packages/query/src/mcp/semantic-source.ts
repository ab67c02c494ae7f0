/**
 * The semantic models of a folder for a long-running process (`lake mcp`, `lake serve`): loaded on
 * first use, and loaded again when a model file is added, removed or changed, so that an edit is
 * seen without a restart. Columns of the tables the models name are read from the catalog (the
 * models are checked against them).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '@lakekit/catalog';
import type { SemanticModel } from '../semantic/types.js';

/** The files of `dir` that can hold models, with their size and modification time (or undefined: no folder). */
async function fingerprint(dir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw e;
  }
  const parts = await Promise.all(
    names.map(async (n) => {
      const s = await stat(join(dir, n)).catch(() => undefined);
      return `${n}:${s?.size ?? -1}:${s?.mtimeMs ?? -1}`;
    }),
  );
  return parts.join('\n');
}

/**
 * A loader of the models under `dir` (undefined when the folder does not exist or holds no model
 * file); an invalid model rejects with the error naming the file and field (every call tries again).
 */
export function semanticModelsFrom(dir: string, catalog: Catalog): () => Promise<SemanticModel | undefined> {
  let cached: { key: string | undefined; model: Promise<SemanticModel | undefined> } | undefined;
  return async () => {
    const key = await fingerprint(dir);
    if (cached && cached.key === key) return cached.model;
    const model =
      key === undefined || key === ''
        ? Promise.resolve(undefined)
        : import('../semantic/index.js').then(({ catalogColumns, loadSemanticModels }) =>
            loadSemanticModels(dir, { columnsOf: catalogColumns(catalog) }),
          );
    const entry = { key, model };
    cached = entry;
    // A failed load is tried again by the next call (the error may be a passing one of the catalog).
    model.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return model;
  };
}
