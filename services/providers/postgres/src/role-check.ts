import type pg from 'pg';
import type { Logger } from 'pino';

/** Says loudly when the provider's role could do more than it should. */
export async function warnAboutRole(pool: pg.Pool, logger: Pick<Logger, 'warn'>): Promise<void> {
  const { rows } = await pool.query<{ superuser: boolean; files: boolean; role: string }>(
    `SELECT rolsuper AS superuser, current_user AS role,
            pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') OR rolsuper AS files
       FROM pg_catalog.pg_roles WHERE rolname = current_user`,
  );
  const me = rows[0];
  if (me?.superuser)
    logger.warn(
      { role: me.role },
      'DANGER: the provider connects as a superuser; use a least-privilege role',
    );
  else if (me?.files)
    logger.warn({ role: me.role }, 'DANGER: the provider role can read server files (pg_read_server_files)');
}
