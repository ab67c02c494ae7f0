/**
 * Versioned migrations of the catalog database. The first creates the Iceberg SQL-catalog tables
 * exactly as PyIceberg's `SqlCatalog` declares them (it may already have created them itself),
 * plus the `iceberg_type` column of its v1 schema, which Lakekit always has: NULL means TABLE.
 */
import type { Knex } from 'knex';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

const migrations: Migration[] = [
  {
    name: '0001_iceberg_sql_catalog',
    async up(knex) {
      if (!(await knex.schema.hasTable('iceberg_tables'))) {
        await knex.schema.createTable('iceberg_tables', (t) => {
          t.string('catalog_name', 255).notNullable();
          t.string('table_namespace', 255).notNullable();
          t.string('table_name', 255).notNullable();
          t.string('metadata_location', 1000).nullable();
          t.string('previous_metadata_location', 1000).nullable();
          t.string('iceberg_type', 5).nullable();
          t.primary(['catalog_name', 'table_namespace', 'table_name']);
        });
      } else if (!(await knex.schema.hasColumn('iceberg_tables', 'iceberg_type'))) {
        await knex.schema.alterTable('iceberg_tables', (t) => {
          t.string('iceberg_type', 5).nullable();
        });
      }
      if (!(await knex.schema.hasTable('iceberg_namespace_properties'))) {
        await knex.schema.createTable('iceberg_namespace_properties', (t) => {
          t.string('catalog_name', 255).notNullable();
          t.string('namespace', 255).notNullable();
          t.string('property_key', 255).notNullable();
          t.string('property_value', 1000).notNullable();
          t.primary(['catalog_name', 'namespace', 'property_key']);
        });
      }
    },
    async down() {
      // The Iceberg tables are shared with other engines: never dropped by a migration.
    },
  },
];

/** The migrations as a knex migration source (in code, so the bundled CLI needs no files). */
export const migrationSource: Knex.MigrationSource<Migration> = {
  async getMigrations() {
    return migrations;
  },
  getMigrationName(m) {
    return m.name;
  },
  async getMigration(m) {
    return m;
  },
};
