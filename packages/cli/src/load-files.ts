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
  UsageError,
} from '@lakekit/core';
import {
  appendFiles,
  applyRowDelta,
  type ColumnSpec,
  type DataFile,
  type Engine,
  evolvePartitionSpec,
  isPartitionedBy,
  replaceFiles,
  requireBranch,
  resolvePartitionSpec,
  type SnapshotJson,
  type Table,
  writeDataFile,
} from '@lakekit/iceberg';
import { addMissingColumns } from './evolve-table.js';

/** What to load and where. */
export interface LoadRequest {
  inputs: string[];
  table: string;
  mode: 'append' | 'replace' | 'merge' | 'overwrite' | 'delete';
  /** Predicate for `overwrite`: the rows the file's rows replace. */
  where?: string;
  /** Key columns for `merge`. */
  key?: string[];
  /** Partitioning of a new table, or a new spec for an existing one (`day(ts), bucket(16, id)`). */
  partitionBy?: string;
  format?: 'csv' | 'jsonl' | 'parquet';
  delimiter?: string;
  /** The branch to commit to (default main); it must exist. */
  branch?: string;
  /** Add file columns an existing table lacks as optional columns (else they are an error). */
  evolve?: boolean;
}

/** What a load did. */
export interface LoadResult {
  table: string;
  created: boolean;
  mode: 'append' | 'replace' | 'merge' | 'overwrite' | 'delete';
  /** Rows a merge replaced (matched by key). */
  replacedRows?: number;
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

/**
 * `--mode merge`: rows whose key matches a file row are replaced by it (merge-on-read), others
 * appended. `--mode delete`: rows whose key is in the file are deleted. `--mode overwrite --where <predicate>`: the rows matching the predicate are replaced by
 * the file's rows (overwrite by filter), in one snapshot.
 */
async function mergeRows(
  table: Table,
  engine: Engine,
  request: LoadRequest,
  input: {
    rowsSql: string;
    rowsColumns: string[];
    paths: readonly string[];
    where: string;
    created: boolean;
    status: ReturnType<typeof progress>;
  },
): Promise<LoadResult> {
  const keyed = request.mode === 'merge' || request.mode === 'delete';
  const keys = keyed ? (request.key ?? []) : [];
  if (keyed && keys.length === 0)
    throw new UsageError(`--mode ${request.mode} needs --key <column,…> (the columns that identify a row)`);
  if (request.mode === 'overwrite' && !request.where)
    throw new UsageError('--mode overwrite needs --where <predicate> (the rows the file replaces)');
  for (const k of keys) {
    if (!table.schema().fields.some((f) => f.name === k)) {
      throw new UsageError(`--key ${k}: table ${table.name} has no column ${k}`, {
        context: { table: table.name, column: k },
      });
    }
    if (!input.rowsColumns.includes(k)) {
      throw new DataError(`${input.where} has no key column ${k}`, {
        context: { file: input.paths[0], column: k },
      });
    }
  }
  let result: Awaited<ReturnType<typeof applyRowDelta>>;
  try {
    result = await applyRowDelta(table, engine, {
      ...(keys.length > 0 ? { keyColumns: keys } : {}),
      ...(request.where ? { where: request.where } : {}),
      ...(request.mode === 'delete'
        ? { keysSql: input.rowsSql }
        : { rowsSql: input.rowsSql, rowsColumns: input.rowsColumns }),
      summary: { 'lakekit.operation': request.mode, 'lakekit.source': input.where.slice(0, 500) },
      ...(request.branch !== undefined ? { branch: request.branch } : {}),
    });
  } catch (e) {
    throw readError(e, input.paths);
  }
  input.status.done(request.mode);
  if (!result.snapshot)
    throw new DataError(`${input.where} has no rows to load`, { context: { file: input.paths[0] } });
  return {
    table: table.name,
    created: input.created,
    mode: request.mode,
    files: [...input.paths],
    rows: result.addedRows,
    replacedRows: result.deletedRows,
    snapshot: result.snapshot,
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
    // A different --partition-by evolves the spec: new data is written with it, old files keep theirs.
    if (request.partitionBy !== undefined && !isPartitionedBy(table.metadata, request.partitionBy)) {
      await evolvePartitionSpec(table, request.partitionBy);
    }
    if (request.branch !== undefined) requireBranch(table, request.branch);
  } else {
    if (request.branch !== undefined && request.branch !== 'main') {
      throw new NotFoundError(
        'table',
        `table ${request.table} does not exist, so it has no branch ${request.branch}`,
        { context: { table: request.table, branch: request.branch } },
      );
    }
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
    table = await catalog.createTable(
      id,
      columns,
      {},
      request.partitionBy !== undefined ? { partitionBy: request.partitionBy } : {},
    );
    created = true;
  }
  status.done('table', 'writing Parquet');

  try {
    if (request.evolve && !created) await addMissingColumns(table, description.columns, where);
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
          `${where} has column "${c.name}", which table ${table.name} does not have (its columns: ${fields.map((f) => f.name).join(', ')}; load with --evolve to add it)`,
          { context: { file: paths[0], table: table.name, column: c.name } },
        );
      }
      projection.push(`${quoteIdent(c.name)} AS ${quoteIdent(field.name)}`);
      sourceColumns.push(field.name);
    }
    if (request.mode === 'merge' || request.mode === 'overwrite' || request.mode === 'delete') {
      return await mergeRows(table, engine, request, {
        rowsSql: `SELECT ${projection.join(', ')} FROM (${description.readSql})`,
        rowsColumns: sourceColumns,
        paths,
        where,
        created,
        status,
      });
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
        partitionSpec: resolvePartitionSpec(table.metadata),
      });
    } catch (e) {
      throw readError(e, paths);
    }
    status.done('write', 'committing');
    const summary = { 'lakekit.operation': 'load', 'lakekit.source': where.slice(0, 500) };
    const branch = request.branch !== undefined ? { branch: request.branch } : {};
    let snapshot: SnapshotJson;
    try {
      snapshot =
        request.mode === 'replace'
          ? await replaceFiles(table, dataFiles, { summary, ...branch })
          : await appendFiles(table, dataFiles, { summary, ...branch });
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
