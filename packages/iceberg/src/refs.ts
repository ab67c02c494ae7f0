/**
 * Branches and tags (Iceberg refs): named snapshot pointers, the base of write-audit-publish — load
 * into a branch, audit it there, then fast-forward `main` to it. A branch moves with commits to it; a
 * tag pins one snapshot. Every change is one `commitMetadata`, checked again on each attempt against
 * the refreshed head, so a concurrent change that makes it wrong (a name taken, a ref moved or
 * dropped, a snapshot expired) fails with an error instead of being applied over it.
 */

import { AlreadyExistsError, CommitConflictError, NotFoundError, UsageError } from '@lakekit/core';
import { ancestorIds } from './ancestry.js';
import type { CommitHook } from './catalog-backend.js';
import { commitMetadata } from './commit-metadata.js';
import type { Table } from './table.js';
import { type RefJson, snapshotById, type TableMetadata } from './table-metadata.js';

/** The branch every table has once it has a snapshot; its head is the table's current snapshot. */
export const MAIN_BRANCH = 'main';

/** A branch or tag as listed. */
export interface RefInfo {
  name: string;
  type: 'branch' | 'tag';
  snapshotId: bigint;
  maxRefAgeMs?: number;
  /** Branches only. */
  maxSnapshotAgeMs?: number;
  /** Branches only. */
  minSnapshotsToKeep?: number;
}

/** Options of `createBranch`. */
export interface BranchOptions {
  /** The snapshot the branch starts at (default: main's current snapshot). */
  fromSnapshotId?: bigint;
  maxSnapshotAgeMs?: number;
  minSnapshotsToKeep?: number;
  maxRefAgeMs?: number;
}

/** Options of `createTag`. */
export interface TagOptions {
  /** The snapshot to tag (default: main's current snapshot). */
  snapshotId?: bigint;
  maxRefAgeMs?: number;
}

/** Options of `fastForward`: move `branch` (default main) to the head of `to`. */
export interface FastForwardOptions {
  branch?: string;
  to: string;
  /** Runs inside the catalog transaction that swaps the pointer (pipeline state publishes with the data). */
  onCommit?: CommitHook;
  /** Drop the branch `to` in the same commit (a write-audit-publish branch, once published). */
  dropSource?: boolean;
}

/** What a fast-forward did. */
export interface FastForwardResult {
  branch: string;
  to: string;
  /** The branch's head before (undefined: an empty main). */
  from?: bigint;
  snapshotId: bigint;
  /** False when the branch already was at that snapshot (nothing was committed). */
  changed: boolean;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Throws a UsageError unless `name` is a valid ref name (letters, digits, `_`, `-`, `.`). */
export function validateRefName(name: string): void {
  if (!NAME.test(name)) {
    throw new UsageError(
      `invalid branch or tag name "${name}": use letters, digits, "_", "-" and "." (at least one)`,
      { context: { ref: name } },
    );
  }
}

function validateNewName(table: Table, name: string, kind: 'branch' | 'tag'): void {
  validateRefName(name);
  if (name === MAIN_BRANCH) {
    throw new UsageError(`cannot create a ${kind} named main: main is reserved for the table's main branch`, {
      context: { table: table.name, ref: name },
    });
  }
}

function positive(value: number | undefined, option: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value > 0))
    throw new UsageError(`${option} must be a positive integer, got ${value}`);
}

/** The snapshot a new ref points at: the given one (which must exist) or main's head. */
function startSnapshot(
  table: Table,
  given: bigint | undefined,
  kind: 'branch' | 'tag',
  name: string,
): bigint {
  if (given !== undefined) return table.snapshot({ snapshotId: given })!['snapshot-id'];
  const head = table.currentSnapshot();
  if (!head) {
    throw new NotFoundError(
      'snapshot',
      `table ${table.name} is empty: there is no snapshot to start ${kind} ${name} at — load data first`,
      { context: { table: table.name, ref: name } },
    );
  }
  return head['snapshot-id'];
}

/** A ref's JSON as a RefInfo. */
function refInfo(name: string, r: RefJson): RefInfo {
  const num = (v: unknown) => (v === undefined || v === null ? undefined : Number(v));
  const maxRefAgeMs = num(r['max-ref-age-ms']);
  const maxSnapshotAgeMs = num(r['max-snapshot-age-ms']);
  const minSnapshotsToKeep = num(r['min-snapshots-to-keep']);
  return {
    name,
    type: r.type,
    snapshotId: r['snapshot-id'],
    ...(maxRefAgeMs !== undefined ? { maxRefAgeMs } : {}),
    ...(maxSnapshotAgeMs !== undefined ? { maxSnapshotAgeMs } : {}),
    ...(minSnapshotsToKeep !== undefined ? { minSnapshotsToKeep } : {}),
  };
}

/** Commits a new ref; re-checked on each attempt (name still free, snapshot still there). */
async function createRef(table: Table, name: string, ref: RefJson): Promise<RefInfo> {
  await commitMetadata(table, async (base) => {
    const existing = base.refs[name];
    if (existing) {
      throw new AlreadyExistsError(
        'ref',
        `table ${table.name} already has a ${existing.type} named ${name}`,
        {
          context: { table: table.name, ref: name },
        },
      );
    }
    if (!snapshotById(base, ref['snapshot-id'])) {
      throw new CommitConflictError(
        `table ${table.name}: snapshot ${ref['snapshot-id']} was removed by another writer while ${ref.type} ${name} was being created; nothing was changed`,
        { retryable: false, context: { table: table.name, ref: name, snapshot: ref['snapshot-id'] } },
      );
    }
    return { metadata: { ...base, refs: { ...base.refs, [name]: ref } } };
  });
  return refInfo(name, ref);
}

/** Creates a branch at main's current snapshot or at `fromSnapshotId`. */
export async function createBranch(
  table: Table,
  name: string,
  options: BranchOptions = {},
): Promise<RefInfo> {
  validateNewName(table, name, 'branch');
  positive(options.maxRefAgeMs, 'max-ref-age-ms');
  positive(options.maxSnapshotAgeMs, 'max-snapshot-age-ms');
  positive(options.minSnapshotsToKeep, 'min-snapshots-to-keep');
  const ref: RefJson = {
    'snapshot-id': startSnapshot(table, options.fromSnapshotId, 'branch', name),
    type: 'branch',
    ...(options.maxRefAgeMs !== undefined ? { 'max-ref-age-ms': options.maxRefAgeMs } : {}),
    ...(options.maxSnapshotAgeMs !== undefined ? { 'max-snapshot-age-ms': options.maxSnapshotAgeMs } : {}),
    ...(options.minSnapshotsToKeep !== undefined
      ? { 'min-snapshots-to-keep': options.minSnapshotsToKeep }
      : {}),
  };
  return createRef(table, name, ref);
}

/** Creates a tag on main's current snapshot or on `snapshotId`. */
export async function createTag(table: Table, name: string, options: TagOptions = {}): Promise<RefInfo> {
  validateNewName(table, name, 'tag');
  positive(options.maxRefAgeMs, 'max-ref-age-ms');
  const ref: RefJson = {
    'snapshot-id': startSnapshot(table, options.snapshotId, 'tag', name),
    type: 'tag',
    ...(options.maxRefAgeMs !== undefined ? { 'max-ref-age-ms': options.maxRefAgeMs } : {}),
  };
  return createRef(table, name, ref);
}

function missingRef(table: Table, name: string): NotFoundError {
  return new NotFoundError('ref', `table ${table.name} has no branch or tag named ${name}`, {
    context: { table: table.name, ref: name },
  });
}

/** Drops a branch or tag (never main). Fails if it moved or was dropped meanwhile. */
export async function dropRef(table: Table, name: string): Promise<RefInfo> {
  validateRefName(name);
  if (name === MAIN_BRANCH) {
    throw new UsageError(`the main branch of table ${table.name} cannot be dropped`, {
      context: { table: table.name, ref: name },
    });
  }
  const planned = table.metadata.refs[name];
  if (!planned) throw missingRef(table, name);
  await commitMetadata(table, async (base) => {
    const now = base.refs[name];
    if (!now || now.type !== planned.type || now['snapshot-id'] !== planned['snapshot-id']) {
      throw new CommitConflictError(
        `table ${table.name}: ${planned.type} ${name} was ${now ? 'moved' : 'dropped'} by another writer while it was being dropped; nothing was changed`,
        { retryable: now !== undefined, context: { table: table.name, ref: name } },
      );
    }
    const refs = { ...base.refs };
    delete refs[name];
    return { metadata: { ...base, refs } };
  });
  return refInfo(name, planned);
}

/** Metadata with `branch` at `snapshotId`; for main also `current-snapshot-id` and the snapshot log. */
function withBranchAt(base: TableMetadata, branch: string, snapshotId: bigint): TableMetadata {
  const md: TableMetadata = {
    ...base,
    refs: {
      ...base.refs,
      [branch]: { ...(base.refs[branch] ?? {}), 'snapshot-id': snapshotId, type: 'branch' },
    },
  };
  if (branch === MAIN_BRANCH && base.refs[branch]?.['snapshot-id'] !== snapshotId) {
    md['current-snapshot-id'] = snapshotId;
    md['snapshot-log'] = [
      ...base['snapshot-log'],
      { 'snapshot-id': snapshotId, 'timestamp-ms': Math.max(Date.now(), base['last-updated-ms']) },
    ];
  }
  return md;
}

/**
 * Moves `branch` (default main) to the head of `to` (a branch or tag), allowed only when the
 * branch's head is an ancestor of that head; else a CommitConflictError naming both. The head of
 * `to` is fixed when the call starts: if it moves before the commit lands, nothing is changed (what
 * was audited is what gets published).
 */
export async function fastForward(table: Table, options: FastForwardOptions): Promise<FastForwardResult> {
  const branch = options.branch ?? MAIN_BRANCH;
  const to = options.to;
  validateRefName(branch);
  validateRefName(to);
  const context = { table: table.name, branch, ref: to };
  if (branch === to) throw new UsageError(`cannot fast-forward ${branch} to itself`, { context });
  const source = table.metadata.refs[to];
  if (!source) throw missingRef(table, to);
  const target = table.metadata.refs[branch];
  if (!target && branch !== MAIN_BRANCH) throw missingRef(table, branch);
  if (target && target.type !== 'branch') {
    throw new UsageError(`${branch} is a tag of table ${table.name}: only branches can be fast-forwarded`, {
      context,
    });
  }
  const head = source['snapshot-id'];
  if (target?.['snapshot-id'] === head && !options.dropSource) {
    return { branch, to, from: head, snapshotId: head, changed: false };
  }
  if (options.dropSource && to === MAIN_BRANCH) {
    throw new UsageError(`the main branch of table ${table.name} cannot be dropped`, { context });
  }
  let from: bigint | undefined;
  await commitMetadata(
    table,
    async (base) => {
      const now = base.refs[to];
      if (now?.['snapshot-id'] !== head) {
        throw new CommitConflictError(
          `table ${table.name}: ${source.type} ${to} was ${now ? 'moved' : 'dropped'} by another writer during the fast-forward of ${branch}; nothing was changed — check ${to} again`,
          { retryable: false, context },
        );
      }
      const current = base.refs[branch];
      if ((!current && branch !== MAIN_BRANCH) || (current && current.type !== 'branch')) {
        throw new CommitConflictError(
          `table ${table.name}: branch ${branch} was dropped or replaced by another writer during the fast-forward; nothing was changed`,
          { retryable: false, context },
        );
      }
      from = current?.['snapshot-id'];
      if (from !== undefined && !ancestorIds(base, head).has(from)) {
        throw new CommitConflictError(
          `table ${table.name}: cannot fast-forward ${branch} to ${to}: ${branch}'s head ${from} is not an ancestor of ${to}'s head ${head} (the two have diverged)`,
          { retryable: false, context },
        );
      }
      const moved = from === head ? base : withBranchAt(base, branch, head);
      if (!options.dropSource) return { metadata: moved };
      const refs = { ...moved.refs };
      delete refs[to];
      return { metadata: { ...moved, refs } };
    },
    options.onCommit ? { onCommit: options.onCommit } : {},
  );
  return { branch, to, ...(from !== undefined ? { from } : {}), snapshotId: head, changed: from !== head };
}

/** The table's branches and tags: main first, then by name. */
export function listRefs(table: Table): RefInfo[] {
  return Object.entries(table.metadata.refs)
    .map(([name, r]) => refInfo(name, r))
    .sort((a, b) =>
      a.name === MAIN_BRANCH
        ? -1
        : b.name === MAIN_BRANCH
          ? 1
          : a.name < b.name
            ? -1
            : a.name > b.name
              ? 1
              : 0,
    );
}

/** Throws unless `name` is a branch of the table (main always is): the check before writing data for it. */
export function requireBranch(table: Table, name: string): void {
  const ref = table.metadata.refs[name];
  if (name === MAIN_BRANCH && (ref === undefined || ref.type === 'branch')) return;
  if (ref === undefined) {
    throw new NotFoundError(
      'branch',
      `table ${table.name} has no branch named ${name} (create it with: lake table branch ${table.name} ${name})`,
      { context: { table: table.name, branch: name } },
    );
  }
  if (ref.type !== 'branch') {
    throw new NotFoundError(
      'branch',
      `${name} is a tag of table ${table.name}, not a branch: commit to a branch`,
      {
        context: { table: table.name, branch: name },
      },
    );
  }
}
