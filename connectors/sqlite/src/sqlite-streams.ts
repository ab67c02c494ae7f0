/**
 * What a SQLite database offers: its tables and views (`pragma_table_list`, shadow tables of virtual
 * tables and `sqlite_*` internals left out) with their columns (`pragma_table_xinfo`, so generated
 * columns are included), primary keys and cursor candidates.
 */
import type { SourceColumn, SourceStream } from '@lakekit/core';
import type Database from 'better-sqlite3';
import { isCursorType, mapSqliteType } from './map-sqlite-type.js';

/** A stream plus what the extractor needs to know of the table behind it. */
export interface SqliteStream extends SourceStream {
  /** The table's name as stored (stream names may carry a `main.` prefix). */
  readonly table: string;
  /** Whether rows have a `rowid` (tables other than WITHOUT ROWID tables; not views). */
  readonly hasRowid: boolean;
}

interface TableRow {
  name: string;
  type: string;
  wr: number;
}

interface ColumnRow {
  name: string;
  type: string;
  notnull: number;
  pk: number;
  hidden: number;
}

/** Every table and view of the `main` schema whose name passes `include`, sorted by name. */
export function listStreams(db: Database.Database, include: (name: string) => boolean): SqliteStream[] {
  const tables = db
    .prepare(
      `SELECT name, type, wr FROM pragma_table_list
        WHERE schema = 'main' AND type IN ('table', 'view', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
        ORDER BY name`,
    )
    .all() as TableRow[];
  const stats = hasStat1(db) ? db.prepare('SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1') : undefined;
  const columnsOf = db.prepare('SELECT name, type, "notnull", pk, hidden FROM pragma_table_xinfo(?)');
  const out: SqliteStream[] = [];
  for (const t of tables) {
    if (!include(t.name)) continue;
    const rows = (columnsOf.all(t.name) as ColumnRow[]).filter((c) => c.hidden !== 1);
    const primaryKey = rows
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const hasRowid = t.type !== 'view' && t.wr === 0;
    // An INTEGER PRIMARY KEY is the rowid itself: never NULL, and a fine incremental cursor.
    const rowidAlias =
      hasRowid && primaryKey.length === 1
        ? rows.find((c) => c.name === primaryKey[0] && c.type.trim().toUpperCase() === 'INTEGER')?.name
        : undefined;
    const columns: SourceColumn[] = rows.map((c) => ({
      name: c.name,
      sourceType: c.type,
      ...mapSqliteType(c.type),
      nullable: c.notnull === 0 && c.name !== rowidAlias,
    }));
    const cursorCandidates = [
      ...(rowidAlias ? [rowidAlias] : []),
      ...rows.filter((c) => isCursorType(c.type)).map((c) => c.name),
    ];
    const stat = stats?.get(t.name) as { stat: string } | undefined;
    const estimated = stat ? Number.parseInt(stat.stat, 10) : Number.NaN;
    out.push({
      name: t.name,
      table: t.name,
      hasRowid,
      columns,
      primaryKey,
      cursorCandidates,
      ...(Number.isFinite(estimated) ? { estimatedRows: estimated } : {}),
    });
  }
  return out;
}

function hasStat1(db: Database.Database): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat1'").get() !==
    undefined
  );
}

/** A `tables:` filter as a predicate: names match exactly (case-insensitively, as SQLite does), `*` any run. */
export function tableFilter(patterns: readonly string[] | undefined): (name: string) => boolean {
  if (!patterns) return () => true;
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/^main\./i, '')
          .split('*')
          .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
        'i',
      ),
  );
  return (name) => res.some((re) => re.test(name));
}

/** The stream `name` (a table name, optionally `main.`-prefixed; case-insensitive like SQLite). */
export function findStream(streams: readonly SqliteStream[], name: string): SqliteStream | undefined {
  const bare = name.replace(/^main\./i, '');
  return (
    streams.find((s) => s.name === name) ??
    streams.find((s) => s.name === bare) ??
    streams.find((s) => s.name.toLowerCase() === bare.toLowerCase())
  );
}
