// pgpass (node-postgres' reader of ~/.pgpass) ships no types; this is the one function it exports.
declare module 'pgpass' {
  interface ConnInfo {
    host?: string;
    port?: number | string;
    database?: string;
    user?: string;
  }
  export default function pgpass(connInfo: ConnInfo, cb: (password?: string) => void): void;
}
