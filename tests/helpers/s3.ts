/** S3 test helpers (buckets on the moto server started by tests/run-all.sh). */
import { join } from 'node:path';
import { runPython } from './peers.js';

/** Creates a bucket; fails the test with the server's message if it cannot. */
export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const r = await runPython(join(import.meta.dirname, '..', 'peers', 's3_admin.py'), [
    'create-bucket',
    endpoint,
    bucket,
  ]);
  if (r.code !== 0) throw new Error(`creating bucket ${bucket} at ${endpoint} failed: ${r.stderr}`);
}

/** Uploads a local file to s3://bucket/key. */
export async function putObject(
  endpoint: string,
  bucket: string,
  key: string,
  localPath: string,
): Promise<void> {
  const r = await runPython(join(import.meta.dirname, '..', 'peers', 's3_admin.py'), [
    'put',
    endpoint,
    bucket,
    key,
    localPath,
  ]);
  if (r.code !== 0) throw new Error(`uploading ${localPath} to s3://${bucket}/${key} failed: ${r.stderr}`);
}
