import {
  AlreadyExistsError,
  CommitConflictError,
  ForbiddenError,
  NotFoundError,
  QueryCancelledError,
  StorageError,
  UnhealthyInputError,
  UsageError,
} from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { problemOf, statusOf } from './problem.js';

describe('problem details', () => {
  it('maps error codes to statuses', () => {
    expect(statusOf('table_not_found')).toBe(404);
    expect(statusOf('principal_already_exists')).toBe(409);
    expect(statusOf('usage')).toBe(400);
    expect(statusOf('config_invalid')).toBe(400);
    expect(statusOf('forbidden')).toBe(403);
    expect(statusOf('unauthorized')).toBe(401);
    expect(statusOf('commit_conflict')).toBe(409);
    expect(statusOf('metadata_invalid')).toBe(500);
    expect(statusOf('storage_error')).toBe(500);
    expect(statusOf('unhealthy_input')).toBe(409);
    expect(statusOf('timeout')).toBe(408);
    expect(statusOf('cancelled')).toBe(499);
  });

  it('spreads the context of a LakeError into the body', () => {
    const { body } = problemOf(
      new NotFoundError('table', 'table crm.x does not exist', { context: { table: 'crm.x' } }),
    );
    expect(body).toEqual({
      type: 'urn:lakekit:problem:table_not_found',
      title: 'Not Found',
      status: 404,
      detail: 'table crm.x does not exist',
      code: 'table_not_found',
      table: 'crm.x',
    });
    expect(problemOf(new AlreadyExistsError('role', 'r')).body.status).toBe(409);
    expect(problemOf(new UsageError('bad')).body.status).toBe(400);
    expect(problemOf(new ForbiddenError('no')).body.status).toBe(403);
    expect(problemOf(new CommitConflictError('raced')).body.status).toBe(409);
    expect(problemOf(new UnhealthyInputError('input failed')).body).toEqual(
      expect.objectContaining({ status: 409, code: 'unhealthy_input' }),
    );
    const timeout = problemOf(new QueryCancelledError('timeout', 'past its limit'));
    expect(timeout).toEqual({
      body: expect.objectContaining({ status: 408, title: 'Request Timeout' }),
      unexpected: false,
    });
    expect(problemOf(new QueryCancelledError('cancelled', 'gone')).body.status).toBe(499);
  });

  it('says nothing about the insides of an unexpected error', () => {
    const e = new Error('connect ECONNREFUSED /var/secret/path');
    const { body, unexpected } = problemOf(e);
    expect(unexpected).toBe(true);
    expect(body.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(problemOf(new StorageError('bucket gone')).unexpected).toBe(true);
  });
});
