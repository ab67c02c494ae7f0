import { defineConfig } from 'vitest/config';

// Two projects: unit tests beside the code, and integration tests under tests/ that talk to real
// services (S3 via moto, PyIceberg, later PostgreSQL and MariaDB) started by tests/run-all.sh.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'connectors/*/src/**/*.test.ts',
            'catalog/src/**/*.test.ts',
            'pipelines/src/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
