/**
 * Naming, reading and writing of metadata files: `<location>/metadata/<5-digit version>-<uuid>.metadata.json`.
 * A metadata file is written once with create-if-absent and never overwritten.
 */
import { randomUUID } from 'node:crypto';
import type { FileIO } from '@lakekit/core';
import { parseTableMetadata, serializeTableMetadata, type TableMetadata } from './table-metadata.js';

/** The version number in a metadata file name (`00003-….metadata.json` → 3), or -1. */
export function metadataVersion(location: string): number {
  const m = /\/(\d+)-[^/]*\.metadata\.json$/.exec(location);
  return m ? Number(m[1]) : -1;
}

/** The location of the metadata file that follows `previous` (or the first one). */
export function nextMetadataLocation(tableLocation: string, previous?: string): string {
  const version = previous === undefined ? 0 : metadataVersion(previous) + 1;
  return `${stripSlash(tableLocation)}/metadata/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
}

/** Reads and validates a metadata file. */
export async function readMetadata(io: FileIO, location: string): Promise<TableMetadata> {
  const bytes = await io.read(location);
  return parseTableMetadata(new TextDecoder().decode(bytes), location);
}

/** Writes a new metadata file; fails if the file exists. */
export async function writeMetadata(io: FileIO, location: string, md: TableMetadata): Promise<void> {
  await io.createIfAbsent(location, serializeTableMetadata(md));
}

/** Removes one trailing slash. */
export function stripSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}
