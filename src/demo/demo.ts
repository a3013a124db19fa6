import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ctx } from '../control/context.js';
import { initControlSchema } from '../control/init.js';
import { createTenants } from '../provision/create.js';
import { listTenantsCmd, type ListedTenant } from '../inspect/list.js';
import { migrateStatus } from '../migrate/status.js';
import { suspendTenant, activateTenant } from '../suspend/suspend.js';
import { exportTenant } from '../archive/export.js';
import { verifyArchive } from '../archive/verify.js';
import { fleetStats, type FleetStats } from '../inspect/stats.js';
import { verifyFleet } from '../verify/verify.js';
import { withClient } from '../pg/tx.js';
import { schemaRelations } from '../pg/catalog.js';

export const DEMO_TENANTS = ['acme', 'globex', 'initech'];

export interface DemoResult {
  tenants: ListedTenant[];
  tables: Record<string, string[]>;
  behind: number;
  /** The archive's file name; it was written to a private temporary directory, verified, removed. */
  archive: string;
  stats: FleetStats['totals'];
  verified: boolean;
}

/**
 * tenantctl's main job end to end, as the README's first command runs it: control schema,
 * tenants from the default template with the example migrations, migration status, a suspend and
 * activate round trip, an export verified offline, stats and verify. Safe to run again.
 */
export async function runDemo(ctx: Ctx): Promise<DemoResult> {
  const step = (m: string) => ctx.reporter.info(m);
  step('2. tenantctl init');
  await initControlSchema(ctx);
  const existing = new Set((await listTenantsCmd(ctx)).map((t) => t.slug));
  const missing = DEMO_TENANTS.filter((t) => !existing.has(t));
  step(`3. tenantctl create ${DEMO_TENANTS.join(' ')}`);
  if (missing.length) await createTenants(ctx, { slugs: missing, concurrency: 3 });
  step('4. tenantctl migrate status');
  const status = await migrateStatus(ctx, { tenants: DEMO_TENANTS });
  step('5. tenantctl suspend globex --reason demo; tenantctl activate globex');
  await suspendTenant(ctx, { slug: 'globex', reason: 'demo' });
  await activateTenant(ctx, 'globex');
  step('6. tenantctl export acme -o <tmp>/; tenantctl export verify <archive>');
  // A private directory of its own (mode 700), removed afterwards: never a fixed, shared path.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tenantctl-demo-'));
  let archive: string;
  try {
    const file = (await exportTenant(ctx, 'acme', { outDir: tmp })).file;
    await verifyArchive(file);
    archive = path.basename(file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  step('7. tenantctl stats; tenantctl verify');
  const stats = await fleetStats(ctx);
  const verified = (await verifyFleet(ctx, { slugs: DEMO_TENANTS })).ok;
  const tenants = (await listTenantsCmd(ctx)).filter((t) => DEMO_TENANTS.includes(t.slug));
  const tables: Record<string, string[]> = {};
  await withClient(ctx.db, async (client) => {
    for (const t of tenants)
      tables[t.slug] = (await schemaRelations(client, t.schema)).map((r) => r.name);
  });
  return { tenants, tables, behind: status.behind, archive, stats: stats.totals, verified };
}
