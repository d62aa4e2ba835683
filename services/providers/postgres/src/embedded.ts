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

export interface Embedded {
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) served over the wire protocol on loopback, so the
 * provider talks to it with `pg` exactly as it would to a real server.
 */
export async function startEmbedded(): Promise<Embedded> {
  const db = await PGlite.create();
  await db.exec(DEMO);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
