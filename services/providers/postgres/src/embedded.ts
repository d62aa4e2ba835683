import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

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

/** The role the provider works as: rows of the demo tables, nothing else (no CREATE, no files). */
export const EMBEDDED_ROLE = 'mcp_demo';

const ROLE = `
CREATE ROLE ${EMBEDDED_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE postgres FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ${EMBEDDED_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${EMBEDDED_ROLE};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${EMBEDDED_ROLE};
SET ROLE ${EMBEDDED_ROLE};
`;

export interface Embedded {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) served over the wire protocol on loopback, so the
 * provider talks to it with `pg` exactly as it would to a real server. PGlite is one backend that
 * every socket shares, logged in as its bootstrap superuser whatever the startup packet says; so
 * the demo is set up as that superuser and the session then drops to ${EMBEDDED_ROLE} for good
 * (getting back needs SET/RESET ROLE or set_config, which the provider never runs for a caller).
 */
export async function startEmbedded(): Promise<Embedded> {
  const db = await PGlite.create();
  await db.exec(DEMO);
  await db.exec(ROLE);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  return {
    url: `postgres://${EMBEDDED_ROLE}@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
