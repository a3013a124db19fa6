import type { Queryable } from '../pg/pool.js';
import { collectObjects } from './catalog/objects.js';
import type { ArchiveObject, Gap, SchemaMention } from './catalog/model.js';
import { readCollations } from './catalog/collations.js';
import { readTextSearch } from './catalog/text-search.js';
import { readConversions } from './catalog/conversions.js';
import { readTypes } from './catalog/types.js';
import { readFunctions, readAggregates } from './catalog/functions.js';
import { readOperators, readOperatorClasses } from './catalog/operators.js';
import { readSequences } from './catalog/sequences.js';
import { readTables, type CopyTable } from './catalog/tables.js';
import { readViews } from './catalog/views.js';
import { readConstraints } from './catalog/constraints.js';
import { readIndexes } from './catalog/indexes.js';
import { readTriggers } from './catalog/triggers.js';
import { readRules } from './catalog/rules.js';
import { readStatistics } from './catalog/statistics.js';
import { readPolicies, policyOwner, type CatPolicy } from './catalog/policies.js';
import { readPublications, type CatPublication } from './catalog/publications.js';
import { readComments, readSchemaComment } from './catalog/comments.js';
import { readAcls, readDefaultAcls, type CatAcl, type CatDefaultAcl } from './catalog/acls.js';
import { findGaps } from './catalog/unsupported.js';
import { readDependencies } from './catalog/dependencies.js';

export type {
  ArchiveObject,
  Gap,
  SchemaMention,
  CopyTable,
  CatPolicy,
  CatPublication,
  CatAcl,
  CatDefaultAcl,
};
export { namespaceOid, lockableRelations, lockTablesSql } from './catalog/scope.js';
export { sequenceValues } from './catalog/sequences.js';

/**
 * Everything the archive carries of one tenant schema. The work is cut along its jobs:
 * collecting the tenant's objects (catalog/objects.ts), one reader per kind of object
 * (catalog/<kind>.ts: it reads the catalog and writes the object's DDL, so a new kind is a new
 * file), the dependencies between them (catalog/dependencies.ts), comments on all of them
 * (catalog/comments.ts) and what cannot be carried (catalog/unsupported.ts).
 */
export interface TenantCatalog {
  schema: string;
  objects: ArchiveObject[];
  /** [X, Y]: X needs Y created first. */
  edges: [string, string][];
  /** COMMENT statements by the object (or part) they follow. */
  comments: Map<string, string[]>;
  tables: CopyTable[];
  sequences: string[];
  access: {
    acls: CatAcl[];
    defaultAcls: CatDefaultAcl[];
    policies: (CatPolicy & { comment?: string })[];
    schemaComment: string | null;
    publications: CatPublication[];
  };
  gaps: Gap[];
  warnings: string[];
  mentions: SchemaMention[];
}

/**
 * Reads one tenant schema. Every query is filtered by the tenant's own objects, so the cost
 * follows the tenant's size, not the number of schemas in the database (pg_dump reads the whole
 * catalog). The caller has set search_path to the tenant schema (and public): the deparser then
 * prints the tenant's own names unqualified, which is what lets an archive be restored under
 * another schema name.
 */
export async function readTenantCatalog(
  client: Queryable,
  schema: string,
  nsp: number,
): Promise<TenantCatalog> {
  const s = await collectObjects(client, schema, nsp);
  await readCollations(s);
  await readTextSearch(s);
  await readConversions(s);
  await readTypes(s);
  await readFunctions(s);
  await readAggregates(s);
  await readOperators(s);
  await readOperatorClasses(s);
  const sequences = await readSequences(s);
  const { copy } = await readTables(s);
  await readViews(s);
  await readConstraints(s);
  await readIndexes(s);
  await readTriggers(s);
  await readRules(s);
  await readStatistics(s);
  const policies = await readPolicies(s);
  const publications = await readPublications(s);
  const comments = await readComments(s);
  const withComments = policies.map((p, i) => {
    const c = comments.get(policyOwner(i));
    comments.delete(policyOwner(i));
    return c ? { ...p, comment: c[0] } : p;
  });
  await findGaps(s);
  const edges = await readDependencies(s);
  return {
    schema,
    objects: s.reg.objects,
    edges,
    comments,
    tables: copy,
    sequences,
    access: {
      acls: await readAcls(s),
      defaultAcls: await readDefaultAcls(s),
      policies: withComments,
      schemaComment: await readSchemaComment(s),
      publications,
    },
    gaps: s.reg.gaps,
    warnings: s.reg.warnings,
    mentions: s.reg.mentions,
  };
}
