import type { Queryable } from '../pg/pool.js';
import { collectObjects } from './catalog/objects.js';
import { readRelations, readViewDeps, type CatRelation } from './catalog/relations.js';
import { readColumns, type CatColumn } from './catalog/columns.js';
import { readTypes, readDomainChecks, type CatType, type CatDomainCheck } from './catalog/types.js';
import { readSequences, type CatSequence } from './catalog/sequences.js';
import { readFunctions, type CatFunction } from './catalog/functions.js';
import { readConstraints, type CatConstraint } from './catalog/constraints.js';
import { readIndexes, type CatIndex } from './catalog/indexes.js';
import { readTriggers, type CatTrigger } from './catalog/triggers.js';
import { readRules, type CatRule } from './catalog/rules.js';
import { readPolicies, type CatPolicy } from './catalog/policies.js';
import { readStatistics, type CatStatistic } from './catalog/statistics.js';
import { readComments, readSchemaComment, type CatComment } from './catalog/comments.js';
import { readAcls, readDefaultAcls, type CatAcl, type CatDefaultAcl } from './catalog/acls.js';
import { classifyUnsupported } from './catalog/unsupported.js';

export type {
  CatRelation,
  CatColumn,
  CatType,
  CatDomainCheck,
  CatSequence,
  CatFunction,
  CatConstraint,
  CatIndex,
  CatTrigger,
  CatRule,
  CatPolicy,
  CatStatistic,
  CatComment,
  CatAcl,
  CatDefaultAcl,
};
export { namespaceOid, lockableRelations, lockTablesSql } from './catalog/scope.js';
export { sequenceValues } from './catalog/sequences.js';

/**
 * Everything the archive carries of one tenant schema, read from the catalog. The work is cut
 * along its jobs: collecting the tenant's objects (catalog/objects.ts), one reader per kind of
 * object (catalog/<kind>.ts), the rewriting of definitions the deparser qualifies
 * (catalog/rewrite.ts) and what cannot be carried (catalog/unsupported.ts).
 */
export interface TenantCatalog {
  schema: string;
  nspOid: number;
  comment: string | null;
  relations: CatRelation[];
  columns: CatColumn[];
  types: CatType[];
  domainChecks: CatDomainCheck[];
  sequences: CatSequence[];
  functions: CatFunction[];
  constraints: CatConstraint[];
  indexes: CatIndex[];
  triggers: CatTrigger[];
  rules: CatRule[];
  policies: CatPolicy[];
  statistics: CatStatistic[];
  comments: CatComment[];
  acls: CatAcl[];
  defaultAcls: CatDefaultAcl[];
  /** Relation name pairs (view or materialized view -> what it reads), for creation order. */
  viewDeps: { view: string; uses: string }[];
  /** Kinds of objects in the schema that the archive does not carry, with counts. */
  unsupported: { what: string; count: number }[];
}

/**
 * Reads one tenant schema. Every query is filtered by the tenant's own objects, so the cost
 * follows the tenant's size, not the number of schemas in the database (pg_dump reads the whole
 * catalog). The caller has set search_path to the tenant schema.
 */
export async function readTenantCatalog(
  client: Queryable,
  schema: string,
  nsp: number,
): Promise<TenantCatalog> {
  const s = await collectObjects(client, schema, nsp);
  const comment = await readSchemaComment(s);
  const relations = await readRelations(s);
  const columns = await readColumns(s);
  const types = await readTypes(s);
  const domainChecks = await readDomainChecks(s);
  const sequences = await readSequences(s);
  const functions = await readFunctions(s);
  const constraints = await readConstraints(s);
  const indexes = await readIndexes(s);
  const triggers = await readTriggers(s);
  const rules = await readRules(s);
  const policies = await readPolicies(s);
  const statistics = await readStatistics(s);
  const comments = await readComments(s);
  const acls = await readAcls(s);
  const defaultAcls = await readDefaultAcls(s);
  const viewDeps = await readViewDeps(s);
  const unsupported = await classifyUnsupported(s, relations, types);
  return {
    schema,
    nspOid: nsp,
    comment,
    relations,
    columns,
    types,
    domainChecks,
    sequences,
    functions,
    constraints,
    indexes,
    triggers,
    rules,
    policies,
    statistics,
    comments,
    acls,
    defaultAcls,
    viewDeps,
    unsupported,
  };
}
