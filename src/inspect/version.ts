import type { Ctx } from '../control/context.js';
import { withClient } from '../pg/tx.js';

/** The server's version as it reports it (`18.1`, `15.8 (Debian 15.8-1.pgdg120+1)`). */
export async function serverVersion(ctx: Ctx): Promise<string> {
  return withClient(ctx.db, async (client) => {
    const { rows } = await client.query(`SELECT current_setting('server_version') AS v`);
    return rows[0].v as string;
  });
}
