import { ConfigError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { parseS3Uri } from './s3-file-io.js';
import { fileUriToPath, joinUri, toUri, uriScheme } from './uri.js';

describe('location strings', () => {
  it('turns plain paths into file:/// URIs and keeps URIs', () => {
    expect(toUri('/tmp/wh')).toBe('file:///tmp/wh');
    expect(toUri('rel/dir')).toBe(`file://${process.cwd()}/rel/dir`);
    expect(toUri('s3://b/k')).toBe('s3://b/k');
    expect(toUri('file:///x')).toBe('file:///x');
  });

  it('joins with exactly one slash', () => {
    expect(joinUri('s3://b/', 'a/', '/b.json')).toBe('s3://b/a/b.json');
    expect(joinUri('file:///tmp/wh', 'ns', '', 't')).toBe('file:///tmp/wh/ns/t');
    expect(joinUri('memory://x')).toBe('memory://x');
  });

  it('knows schemes and local paths', () => {
    expect(uriScheme('S3A://b/k')).toBe('s3a');
    expect(uriScheme('/abs/path')).toBeUndefined();
    expect(uriScheme('C:\\data')).toBeUndefined();
    expect(fileUriToPath('file:///a/b c')).toBe('/a/b c');
    expect(fileUriToPath('file:/a/b')).toBe('/a/b');
    expect(() => fileUriToPath('s3://b/k')).toThrow(ConfigError);
  });

  it('splits S3 locations', () => {
    expect(parseS3Uri('s3://bucket/a/b.parquet')).toEqual({
      scheme: 's3',
      bucket: 'bucket',
      key: 'a/b.parquet',
    });
    expect(parseS3Uri('s3a://bucket')).toEqual({ scheme: 's3a', bucket: 'bucket', key: '' });
    expect(() => parseS3Uri('gs://bucket/x')).toThrow(ConfigError);
  });
});
