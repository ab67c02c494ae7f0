/**
 * The connector kinds the CLI knows, loaded lazily: a command imports only the kinds its sources use
 * (so `lake run` of a files pipeline never loads a database driver).
 */
import type { ConnectorFactory, LakeConfig } from '@lakekit/core';

const LOADERS: Record<string, () => Promise<ConnectorFactory>> = {
  postgres: () => import('@lakekit/connector-postgres').then((m) => m.postgresConnector as ConnectorFactory),
  mysql: () => import('@lakekit/connector-mysql').then((m) => m.mysqlConnector as ConnectorFactory),
  mssql: () => import('@lakekit/connector-mssql').then((m) => m.mssqlConnector as ConnectorFactory),
  sqlite: () => import('@lakekit/connector-sqlite').then((m) => m.sqliteConnector as ConnectorFactory),
  files: () => import('@lakekit/connector-files').then((m) => m.filesConnector as ConnectorFactory),
  http: () => import('@lakekit/connector-http').then((m) => m.httpConnector as ConnectorFactory),
};

/** Every kind name (for messages). */
export const CONNECTOR_KINDS = Object.keys(LOADERS).sort();

/** Factories for the kinds the configured sources use (unknown kinds are reported by the caller). */
export async function loadFactories(
  config: LakeConfig,
  only?: readonly string[],
): Promise<Record<string, ConnectorFactory>> {
  const kinds = new Set<string>();
  for (const [name, s] of Object.entries(config.sources ?? {})) {
    if (only && !only.includes(name)) continue;
    kinds.add(String(s['type']));
  }
  const out: Record<string, ConnectorFactory> = {};
  await Promise.all(
    [...kinds].map(async (k) => {
      const load = LOADERS[k];
      if (load) out[k] = await load();
    }),
  );
  // Unknown kinds: keep the names so resolveSource's message lists every known kind.
  for (const k of CONNECTOR_KINDS) out[k] ??= { kind: k } as ConnectorFactory;
  return out;
}
