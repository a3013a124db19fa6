/** pgpass (the libpq password file reader node-postgres itself uses) ships no types. */
declare module 'pgpass' {
  function pgpass(connInfo: Record<string, unknown>, cb: (password?: string) => void): void;
  export default pgpass;
}
