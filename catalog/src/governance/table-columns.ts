/**
 * Current columns of catalog tables for governance decisions, remembered per metadata location: a
 * table's pointer is read on every call (one query, shared by concurrent callers: see Coalescer), its
 * metadata file only when the pointer moved (a metadata file is written once and never changed, so
 * its location names its content).
 */
import { formatTableIdentifier, parseTableIdentifier, typeToString } from '@lakekit/core';
import type { Catalog } from '../catalog.js';
import type { TableColumn } from './types.js';

/** A table known to exist: its canonical name and current columns. */
export interface KnownTable {
  name: string;
  columns: TableColumn[];
}

/** How many metadata locations are remembered (the oldest is forgotten first). */
const MAX_LOCATIONS = 1024;

/** Columns of tables by metadata location. */
export class TableColumnsCache {
  private readonly byLocation = new Map<string, TableColumn[]>();

  constructor(private readonly catalog: Catalog) {}

  /** An existing table by `ns.table` with its current columns (NotFoundError names it). */
  async require(text: string): Promise<KnownTable> {
    const id = parseTableIdentifier(text);
    const name = formatTableIdentifier(id);
    const location = await this.catalog.store.loadPointer(id);
    const known = location === undefined ? undefined : this.byLocation.get(location);
    if (known) return { name, columns: known };
    const table = await this.catalog.loadTable(id);
    const columns = table.schema().fields.map((f) => ({ name: f.name, type: typeToString(f.type) }));
    if (this.byLocation.size >= MAX_LOCATIONS) {
      this.byLocation.delete(this.byLocation.keys().next().value!);
    }
    this.byLocation.set(table.metadataLocation, columns);
    return { name, columns };
  }
}
