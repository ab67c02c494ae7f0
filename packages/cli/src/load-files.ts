/**
 * Loading files into a table: describe the files (explicit dialect and types), create the namespace
 * and table when missing, write one Parquet data file with DuckDB and commit it as an append or an
 * atomic replace. A failure leaves the table as it was: data files of a failed load are removed,
 * and a table this load created is dropped again.
 */

import { fileURLToPath } from 'node:url';
import type { Catalog } from '@lakekit/catalog';
import { describeFile, readError } from '@lakekit/connector-files';
import {
  DataError,
  type FileIO,
  fromDuckDBType,
  LakeError,
  NotFoundError,
  parseTableIdentifier,
  quoteIdent,
} from '@lakekit/core';
import {
  appendFiles,
  type ColumnSpec,
  type DataFile,
  type Engine,
  replaceFiles,
  type SnapshotJson,
  type Table,
  writeDataFile,
} from '@lakekit/iceberg';

/** What to load and where. */
export interface LoadRequest {
  inputs: string[];
  table: string;
  mode: 'append' | 'replace';
  format?: 'csv' | 'jsonl' | 'parquet';
  delimiter?: string;
}

/** What a load did. */
export interface LoadResult {
  table: string;
  created: boolean;
  mode: 'append' | 'replace';
  files: string[];
  rows: number;
  snapshot: SnapshotJson;
}

/** Downloads remote inputs (s3:// objects or prefixes ending in /) through FileIO; local paths and globs pass through. */
async function localInputs(io: FileIO, inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (!/^s3a?:\/\//.test(input)) {
      out.push(input.startsWith('file://') ? fileURLToPath(input) : input);
      continue;
    }
    const objects = input.endsWith('/') ? (await io.list(input)).map((f) => f.location) : [input];
    if (objects.length === 0)
      throw new NotFoundError('file', `no files under ${input}`, { context: { file: input } });
    for (const o of objects) out.push(await io.localPath(o));
  }
  return out;
}

/**
 * Progress on stderr: a status line on a terminal (cleared at the end), and phase timings when
 * LAKEKIT_TIMING is set (for benchmarks and slow loads). Nothing when stderr is a file or pipe.
 */
function progress(): { done(phase: string, next?: string): void; clear(): void } {
  const tty = process.stderr.isTTY === true;
  const timing = process.env['LAKEKIT_TIMING'] !== undefined && process.env['LAKEKIT_TIMING'] !== '';
  let last = performance.now();
  const show = (text: string) => {
    if (tty) process.stderr.write(`\r\x1b[K${text}`);
  };
  show('reading files …');
  return {
    done(phase, next) {
      const now = performance.now();
      if (timing)
        process.stderr.write(
          `${tty ? '\r\x1b[K' : ''}timing: ${phase} ${(now - last).toFixed(0)} ms (process ${now.toFixed(0)} ms)\n`,
        );
      last = now;
      if (next) show(`${next} …`);
    },
    clear() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

/** What a load works with; the catalog may still be opening (it opens while DuckDB sniffs the files). */
export interface LoadDependencies {
  engine: Engine;
  io: FileIO;
  catalog: Catalog | Promise<Catalog>;
}

/** Loads files into a table (see module comment). */
export async function loadFiles(deps: LoadDependencies, request: LoadRequest): Promise<LoadResult> {
  const status = progress();
  try {
    return await load(deps, request, status);
  } finally {
    status.clear();
  }
}

async function load(
  deps: LoadDependencies,
  request: LoadRequest,
  status: ReturnType<typeof progress>,
): Promise<LoadResult> {
  const { engine } = deps;
  const id = parseTableIdentifier(request.table);
  const inputs = await localInputs(deps.io, request.inputs);
  const describing = describeFile(engine.conn, inputs, {
    ...(request.format !== undefined ? { format: request.format } : {}),
    ...(request.delimiter !== undefined ? { delimiter: request.delimiter } : {}),
  }).catch((e: unknown) => {
    throw readError(e, inputs);
  });
  // DuckDB sniffs on its own threads while the catalog database opens here.
  const [description, catalog] = await Promise.all([describing, deps.catalog]);
  const paths = description.files;
  const where = paths.length === 1 ? paths[0]! : `${paths[0]} (+${paths.length - 1} more)`;
  status.done('describe', 'preparing table');

  let table: Table;
  let created = false;
  if (await catalog.tableExists(id)) {
    table = await catalog.loadTable(id);
  } else {
    if (!(await catalog.namespaceExists(id.namespace))) {
      await catalog.createNamespace(id.namespace).catch((e: unknown) => {
        if (!(e instanceof LakeError && e.code === 'namespace_already_exists')) throw e;
      });
    }
    let next = 10_000;
    const columns: ColumnSpec[] = description.columns.map((c) => {
      try {
        return { name: c.name, type: fromDuckDBType(c.duckdbType, () => next++) };
      } catch (e) {
        throw new DataError(
          `${where}, column ${c.name}: type ${c.duckdbType} cannot be stored in an Iceberg table`,
          {
            context: { file: paths[0], column: c.name },
            cause: e,
          },
        );
      }
    });
    table = await catalog.createTable(id, columns);
    created = true;
  }
  status.done('table', 'writing Parquet');

  try {
    // Match file columns to table columns by name (exactly, else ignoring case).
    const fields = table.schema().fields;
    const projection: string[] = [];
    const sourceColumns: string[] = [];
    for (const c of description.columns) {
      const field =
        fields.find((f) => f.name === c.name) ??
        fields.find((f) => f.name.toLowerCase() === c.name.toLowerCase());
      if (!field) {
        throw new DataError(
          `${where} has column "${c.name}", which table ${table.name} does not have (its columns: ${fields.map((f) => f.name).join(', ')})`,
          { context: { file: paths[0], table: table.name, column: c.name } },
        );
      }
      projection.push(`${quoteIdent(c.name)} AS ${quoteIdent(field.name)}`);
      sourceColumns.push(field.name);
    }
    let dataFiles: DataFile[];
    try {
      dataFiles = await writeDataFile({
        engine,
        io: catalog.io,
        selectSql: `SELECT ${projection.join(', ')} FROM (${description.readSql})`,
        sourceColumns,
        schema: table.schema(),
        tableLocation: table.metadata.location,
        tableName: table.name,
      });
    } catch (e) {
      throw readError(e, paths);
    }
    status.done('write', 'committing');
    const summary = { 'lakekit.operation': 'load', 'lakekit.source': where.slice(0, 500) };
    let snapshot: SnapshotJson;
    try {
      snapshot =
        request.mode === 'replace'
          ? await replaceFiles(table, dataFiles, { summary })
          : await appendFiles(table, dataFiles, { summary });
    } catch (e) {
      await Promise.all(dataFiles.map((f) => catalog.io.delete(f.filePath).catch(() => undefined)));
      throw e;
    }
    status.done('commit');
    return {
      table: table.name,
      created,
      mode: request.mode,
      files: [...paths],
      rows: dataFiles.reduce((a, f) => a + f.recordCount, 0),
      snapshot,
    };
  } catch (e) {
    if (created) await catalog.dropTable(id, { purge: true }).catch(() => undefined);
    throw e;
  }
}
