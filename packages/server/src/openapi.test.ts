import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.js';
import { allRoutes } from './routes/index.js';

describe('the OpenAPI document', () => {
  const routes = allRoutes();
  const doc = openApiDocument(routes) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          parameters: { name: string; in: string }[];
          responses: Record<string, unknown>;
          requestBody?: unknown;
        }
      >
    >;
  };

  it('has one operation per route, with every path parameter declared', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const r of routes) {
      const op = doc.paths[r.path]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      const declared = op!.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      const inPath = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), r.path).toEqual(inPath.sort());
      expect(Object.keys(op!.responses)).toContain(String(r.status ?? 200));
      expect(op!.requestBody !== undefined, r.path).toBe(r.body !== undefined);
    }
  });

  it('has no two routes with the same method and path', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives operations unique ids', () => {
    const ids = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops)
        .map((o) => (o as { operationId?: string }).operationId)
        .filter(Boolean),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
