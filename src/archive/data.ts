import { to as copyTo, from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { quoteIdent } from '../pg/quote.js';

/**
 * Table data as COPY text, streamed both ways: constant memory whatever the table's size. Column
 * lists are explicit so generated columns are left out and the order never depends on the server.
 */
export function copyColumns(columns: string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/** Schema-qualified on the way out: the snapshot's search_path is not the only safeguard. */
export function copyOutStream(
  client: pg.ClientBase,
  schema: string,
  table: string,
  columns: string[],
) {
  return client.query(
    copyTo(`COPY ${quoteIdent(schema)}.${quoteIdent(table)} (${copyColumns(columns)}) TO STDOUT`),
  );
}

export function copyInStream(
  client: pg.ClientBase,
  schema: string,
  table: string,
  columns: string[],
) {
  return client.query(
    copyFrom(
      `COPY ${quoteIdent(schema)}.${quoteIdent(table)} (${copyColumns(columns)}) FROM STDIN`,
    ),
  );
}

/** The \copy line restore.sql runs under psql, relative to the extracted directory. */
export function psqlCopyLine(table: string, columns: string[], file: string): string {
  return `\\copy ${quoteIdent(table)} (${copyColumns(columns)}) FROM '${file}'`;
}
