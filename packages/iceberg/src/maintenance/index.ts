/** Table maintenance: snapshot expiry, orphan removal, manifest rewriting, compaction, policy runs. */
export * from './compact-files.js';
export * from './expire-snapshots.js';
export * from './reachable-files.js';
export * from './remove-orphan-files.js';
export * from './rewrite-manifests.js';
export * from './run-maintenance.js';
