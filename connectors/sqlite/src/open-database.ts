/** Opens a SQLite database read-only, with errors that name the source and the file. */
import { existsSync } from 'node:fs';
import { NotFoundError } from '@lakekit/core';
import Database from 'better-sqlite3';
import { sqliteError } from './sqlite-error.js';

/** A read-only connection to the existing database at `path` (checked by reading its schema). */
export function openDatabase(path: string, source: string): Database.Database {
  if (!existsSync(path)) {
    throw new NotFoundError('file', `source ${source}: SQLite database ${path} does not exist`, {
      context: { source, file: path },
    });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    // Opening is lazy: a file that is not a database fails only when read.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (e) {
    db?.close();
    throw sqliteError(e, `source ${source}: cannot open SQLite database ${path}`, { source, file: path });
  }
}
