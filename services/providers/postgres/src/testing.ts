import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The superuser URL of the throw-away cluster `scripts/test-env.sh up` starts. */
export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error('DATABASE_URL is not set: run the tests with `make test` (scripts/test-env.sh up)');
  return url;
}

export type TestRole = 'reader' | 'writer';

export interface TestDatabase {
  name: string;
  /** The generated names of the two roles. */
  roles: Record<TestRole, string>;
  /** URL of the least-privilege role the provider uses. */
  url: (role: TestRole) => string;
  /** The database owner's connection, for setting up and checking behind the provider's back. */
  admin: pg.Client;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file, with a `reader` role that may only SELECT and a
 * `writer` role that may also change rows (neither a superuser, neither owning anything).
 */
export async function createTestDatabase(setupSql: string): Promise<TestDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const name = `mcpfleet_pg_${suffix}`;
  const roles = { reader: `mcp_reader_${suffix}`, writer: `mcp_writer_${suffix}` };
  const root = new pg.Client({ connectionString: adminUrl() });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  await root.query(`CREATE ROLE ${roles.reader} LOGIN PASSWORD 'reader'`);
  await root.query(`CREATE ROLE ${roles.writer} LOGIN PASSWORD 'writer'`);
  await root.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  await admin.query(setupSql);
  await admin.query(
    `REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE TEMPORARY ON DATABASE ${name} FROM PUBLIC`,
  );
  await admin.query(`GRANT CONNECT ON DATABASE ${name} TO ${roles.reader}, ${roles.writer}`);
  await admin.query(`GRANT USAGE ON SCHEMA public TO ${roles.reader}, ${roles.writer}`);
  await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${roles.reader}, ${roles.writer}`);
  await admin.query(`GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${roles.writer}`);
  await admin.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${roles.writer}`);
  return {
    name,
    roles,
    admin,
    url(role) {
      const u = new URL(url.href);
      u.username = roles[role];
      u.password = role;
      return u.href;
    },
    async drop() {
      await admin.end();
      const cleanup = new pg.Client({ connectionString: adminUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.query(`DROP ROLE IF EXISTS ${roles.reader}`);
      await cleanup.query(`DROP ROLE IF EXISTS ${roles.writer}`);
      await cleanup.end();
    },
  };
}
