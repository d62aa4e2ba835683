import type { PGlite } from '@electric-sql/pglite';

/** The role the provider works as: rows of the demo tables, nothing else (no CREATE, no files). */
export const EMBEDDED_ROLE = 'mcp_demo';

/** A small demo schema so a fresh `make dev` has something to look at. */
const DEMO = `
CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text UNIQUE NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers(id),
  total numeric(10, 2) NOT NULL CHECK (total >= 0),
  status text NOT NULL DEFAULT 'open'
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com'), ('Grace', 'grace@example.com'), ('Linus', 'linus@example.com');
INSERT INTO orders (customer_id, total, status) VALUES (1, 42.50, 'paid'), (1, 10.00, 'open'), (2, 99.99, 'paid');
`;

/** Grants are idempotent: they run at every start, so tables of an older data directory are covered. */
const GRANTS = `
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ${EMBEDDED_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${EMBEDDED_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${EMBEDDED_ROLE};
`;

/**
 * What the shared session may spill to disk: a runaway sort or materialized set fails (SQLSTATE
 * 53400) instead of writing gigabytes before its deadline (PGlite spills about 100 MB/s).
 * Only a superuser may change it, which the session stops being below.
 */
const TEMP_FILE_LIMIT = '1GB';

/**
 * Makes a data directory ready for the provider, whether it is fresh or kept from an earlier run
 * (the demo rows are created once, in one transaction, so a crash midway leaves no half demo).
 * PGlite is one backend that every socket shares, logged in as its bootstrap superuser whatever
 * the startup packet says; so this runs as that superuser and the session then drops to
 * ${EMBEDDED_ROLE} for good (getting back needs SET/RESET ROLE or set_config, which the provider
 * never runs for a caller).
 */
export async function prepareDemo(db: PGlite): Promise<void> {
  const { rows } = await db.query<{ seeded: boolean; role: boolean }>(
    `SELECT pg_catalog.to_regclass('public.customers') IS NOT NULL AS seeded,
            EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${EMBEDDED_ROLE}') AS role`,
  );
  const state = rows[0];
  if (!state?.seeded) await db.exec(`BEGIN; ${DEMO} COMMIT;`);
  if (!state?.role) await db.exec(`CREATE ROLE ${EMBEDDED_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
  await db.exec(GRANTS);
  await db.exec(`SET temp_file_limit = '${TEMP_FILE_LIMIT}'; SET ROLE ${EMBEDDED_ROLE}`);
}
