/** Avro I/O of Iceberg manifest lists and manifests, in memory (callers do the file I/O). */
export type { PartitionFieldDescriptor } from './avro-schemas.js';
export { decodeManifest, encodeManifest, type ManifestMeta } from './manifest.js';
export { decodeManifestList, encodeManifestList, type ManifestListMeta } from './manifest-list.js';
