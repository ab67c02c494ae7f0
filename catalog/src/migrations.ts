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
  {
    name: '0002_pipelines',
    async up(knex) {
      // Pipeline state: the position a stream reached, written in the transaction of the pointer swap
      // of the snapshot it describes (so state is never ahead of, nor behind, the data).
      await knex.schema.createTable('lakekit_pipeline_state', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('pipeline', 255).notNullable();
        t.string('stream', 500).notNullable();
        t.string('target', 500).notNullable();
        t.text('state').notNullable();
        t.string('snapshot_id', 24).nullable();
        t.string('run_id', 64).nullable();
        t.string('updated_at', 40).notNullable();
        t.primary(['catalog_name', 'pipeline', 'stream']);
      });
      await knex.schema.createTable('lakekit_runs', (t) => {
        t.string('id', 64).primary();
        t.string('catalog_name', 255).notNullable();
        t.string('pipeline', 255).notNullable();
        t.string('status', 20).notNullable();
        t.string('trigger', 100).notNullable();
        t.string('started_at', 40).notNullable();
        t.string('ended_at', 40).nullable();
        t.string('host', 255).notNullable();
        t.integer('pid').notNullable();
        t.text('detail').nullable();
        t.text('error').nullable();
        t.index(['catalog_name', 'pipeline', 'started_at']);
      });
      await knex.schema.createTable('lakekit_quality_results', (t) => {
        t.increments('id');
        t.string('catalog_name', 255).notNullable();
        t.string('run_id', 64).nullable();
        t.string('table_name', 500).notNullable();
        t.string('snapshot_id', 24).nullable();
        t.string('check_name', 500).notNullable();
        t.string('kind', 40).notNullable();
        t.string('severity', 10).notNullable();
        t.string('status', 10).notNullable();
        t.bigInteger('failing_rows').notNullable();
        t.text('message').notNullable();
        t.text('sample').nullable();
        t.string('checked_at', 40).notNullable();
        t.index(['catalog_name', 'table_name', 'checked_at']);
      });
      await knex.schema.createTable('lakekit_lineage_events', (t) => {
        t.increments('id');
        t.string('catalog_name', 255).notNullable();
        t.string('run_id', 64).notNullable();
        t.string('event_type', 20).notNullable();
        t.string('event_time', 40).notNullable();
        t.string('job_name', 500).notNullable();
        t.text('payload').notNullable();
        t.index(['catalog_name', 'run_id']);
      });
      await knex.schema.createTable('lakekit_locks', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('name', 500).notNullable();
        t.string('holder', 64).notNullable();
        t.string('host', 255).notNullable();
        t.integer('pid').notNullable();
        t.string('acquired_at', 40).notNullable();
        t.string('expires_at', 40).notNullable();
        t.primary(['catalog_name', 'name']);
      });
    },
    async down(knex) {
      for (const t of [
        'lakekit_locks',
        'lakekit_lineage_events',
        'lakekit_quality_results',
        'lakekit_runs',
        'lakekit_pipeline_state',
      ]) {
        await knex.schema.dropTableIfExists(t);
      }
    },
  },
  {
    name: '0003_governance',
    async up(knex) {
      // Optional text is '' rather than NULL where it is part of a key (PostgreSQL keys refuse NULL).
      await knex.schema.createTable('lakekit_principals', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('name', 128).notNullable();
        t.string('kind', 10).notNullable();
        t.text('attributes').notNullable();
        t.boolean('disabled').notNullable();
        t.string('created_at', 40).notNullable();
        t.primary(['catalog_name', 'name']);
      });
      await knex.schema.createTable('lakekit_tokens', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('id', 32).notNullable();
        t.string('principal', 128).notNullable();
        t.string('name', 255).nullable();
        t.string('hash', 64).notNullable();
        t.string('created_at', 40).notNullable();
        t.string('expires_at', 40).nullable();
        t.string('revoked_at', 40).nullable();
        t.string('last_used_at', 40).nullable();
        t.primary(['catalog_name', 'id']);
        t.index(['catalog_name', 'principal']);
      });
      await knex.schema.createTable('lakekit_roles', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('name', 128).notNullable();
        t.text('description').nullable();
        t.string('created_at', 40).notNullable();
        t.primary(['catalog_name', 'name']);
      });
      await knex.schema.createTable('lakekit_role_members', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('role', 128).notNullable();
        t.string('principal', 128).notNullable();
        t.primary(['catalog_name', 'role', 'principal']);
        t.index(['catalog_name', 'principal']);
      });
      await knex.schema.createTable('lakekit_grants', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('id', 64).notNullable();
        t.string('privilege', 10).notNullable();
        t.string('securable_type', 10).notNullable();
        // '' for the catalog; the namespace or the table; the column ('' unless a column).
        t.string('securable_name', 500).notNullable();
        t.string('securable_column', 255).notNullable();
        t.string('grantee_type', 10).notNullable();
        t.string('grantee_name', 128).notNullable();
        t.string('granted_by', 255).notNullable();
        t.string('granted_at', 40).notNullable();
        t.primary(['catalog_name', 'id']);
        t.unique([
          'catalog_name',
          'privilege',
          'securable_type',
          'securable_name',
          'securable_column',
          'grantee_type',
          'grantee_name',
        ]);
        t.index(['catalog_name', 'grantee_type', 'grantee_name']);
      });
      await knex.schema.createTable('lakekit_annotations', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('table_name', 500).notNullable();
        t.string('column_name', 255).notNullable();
        t.text('description').nullable();
        t.string('owner_type', 10).nullable();
        t.string('owner_name', 128).nullable();
        t.text('terms').notNullable();
        t.primary(['catalog_name', 'table_name', 'column_name']);
      });
      await knex.schema.createTable('lakekit_masks', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('table_name', 500).notNullable();
        t.string('column_name', 255).notNullable();
        t.string('role', 128).notNullable();
        t.text('spec').notNullable();
        t.string('created_by', 255).notNullable();
        t.string('created_at', 40).notNullable();
        t.primary(['catalog_name', 'table_name', 'column_name', 'role']);
      });
      await knex.schema.createTable('lakekit_row_filters', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('table_name', 500).notNullable();
        t.string('role', 128).notNullable();
        t.text('predicate').notNullable();
        t.string('created_by', 255).notNullable();
        t.string('created_at', 40).notNullable();
        t.primary(['catalog_name', 'table_name', 'role']);
      });
      await knex.schema.createTable('lakekit_tags', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('table_name', 500).notNullable();
        t.string('column_name', 255).notNullable();
        t.string('tag', 255).notNullable();
        t.primary(['catalog_name', 'table_name', 'column_name', 'tag']);
      });
      await knex.schema.createTable('lakekit_tag_policies', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('name', 128).notNullable();
        t.string('tag', 255).notNullable();
        t.string('role', 128).notNullable();
        t.text('mask').notNullable();
        t.string('created_by', 255).notNullable();
        t.string('created_at', 40).notNullable();
        t.primary(['catalog_name', 'name']);
      });
      await knex.schema.createTable('lakekit_access_requests', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('id', 64).notNullable();
        t.string('principal', 128).notNullable();
        t.string('table_name', 500).notNullable();
        t.string('privilege', 10).notNullable();
        t.text('reason').notNullable();
        t.string('status', 10).notNullable();
        t.string('created_at', 40).notNullable();
        t.string('decided_by', 255).nullable();
        t.string('decided_at', 40).nullable();
        t.text('comment').nullable();
        t.primary(['catalog_name', 'id']);
      });
      await knex.schema.createTable('lakekit_audit_log', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.bigInteger('seq').notNullable();
        t.string('time', 40).notNullable();
        t.string('actor', 255).notNullable();
        t.string('action', 255).notNullable();
        t.string('target', 1000).notNullable();
        t.string('outcome', 10).notNullable();
        t.text('detail').nullable();
        t.string('prev_hash', 64).notNullable();
        t.string('hash', 64).notNullable();
        t.primary(['catalog_name', 'seq']);
        t.index(['catalog_name', 'time']);
      });
      // The chain's head, locked and updated in the transaction of every append (serialises writers).
      await knex.schema.createTable('lakekit_audit_head', (t) => {
        t.string('catalog_name', 255).notNullable().primary();
        t.bigInteger('last_seq').notNullable();
        t.string('last_hash', 64).notNullable();
      });
      await knex.schema.createTable('lakekit_governance_settings', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('key', 100).notNullable();
        t.text('value').notNullable();
        t.primary(['catalog_name', 'key']);
      });
    },
    async down(knex) {
      for (const t of [
        'lakekit_governance_settings',
        'lakekit_audit_head',
        'lakekit_audit_log',
        'lakekit_access_requests',
        'lakekit_tag_policies',
        'lakekit_tags',
        'lakekit_row_filters',
        'lakekit_masks',
        'lakekit_annotations',
        'lakekit_grants',
        'lakekit_role_members',
        'lakekit_roles',
        'lakekit_tokens',
        'lakekit_principals',
      ]) {
        await knex.schema.dropTableIfExists(t);
      }
    },
  },
  {
    name: '0004_answers',
    async up(knex) {
      // The governance data's own version stamp: the seq of the last audited *change* (queries,
      // refusals and runs append records too, and must not make every server reload its snapshot).
      await knex.schema.alterTable('lakekit_audit_head', (t) => {
        t.bigInteger('change_seq').notNullable().defaultTo(0);
      });
      await knex('lakekit_audit_head').update({ change_seq: knex.ref('last_seq') });
      // Answer receipts of governed queries (the body is the receipt as JSON).
      await knex.schema.createTable('lakekit_receipts', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('id', 80).notNullable();
        t.string('created_at', 40).notNullable();
        t.string('principal', 255).notNullable();
        t.string('sql_hash', 64).notNullable();
        t.string('result_hash', 64).notNullable();
        t.string('retain_until', 40).notNullable();
        t.text('body').notNullable();
        t.primary(['catalog_name', 'id']);
        t.index(['catalog_name', 'created_at']);
      });
      // The snapshots each receipt names: kept from expiry until retain_until.
      await knex.schema.createTable('lakekit_receipt_snapshots', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('receipt_id', 80).notNullable();
        t.string('table_name', 1000).notNullable();
        t.string('snapshot_id', 32).notNullable();
        t.string('retain_until', 40).notNullable();
        t.index(['catalog_name', 'table_name', 'retain_until']);
      });
      await knex.schema.createTable('lakekit_answer_flags', (t) => {
        t.string('catalog_name', 255).notNullable();
        t.string('id', 80).notNullable();
        t.string('receipt_id', 80).notNullable();
        t.string('principal', 255).notNullable();
        t.text('reason').notNullable();
        t.string('created_at', 40).notNullable();
        t.text('notification').nullable();
        t.text('body').notNullable();
        t.primary(['catalog_name', 'id']);
        t.index(['catalog_name', 'receipt_id']);
      });
    },
    async down(knex) {
      for (const t of ['lakekit_answer_flags', 'lakekit_receipt_snapshots', 'lakekit_receipts']) {
        await knex.schema.dropTableIfExists(t);
      }
      await knex.schema.alterTable('lakekit_audit_head', (t) => {
        t.dropColumn('change_seq');
      });
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
