import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FailedError, UsageError } from '../shared/errors.js';

/**
 * Server passwords stored encrypted at rest: AES-256-GCM (Node's crypto), a random 96-bit IV per
 * encryption, the 128-bit tag kept beside the ciphertext, and the server's name as additional
 * authenticated data, so a ciphertext copied onto another server's row does not decrypt. The key
 * lives outside the database (an environment variable or a file) and is named in the row by its
 * id, the first bytes of its sha256, so a wrong key is refused by name before it is tried.
 */

export interface SecretKey {
  key: Buffer;
  /** First 4 bytes of sha256(key), hex: identifies the key without revealing it. */
  id: string;
  /** Where it came from, for messages: the variable's name or the file's path. */
  from: string;
}

export interface Sealed {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export const KEY_ENV = 'TENANTCTL_SECRET_KEY';
export const OLD_KEY_ENV = 'TENANTCTL_OLD_SECRET_KEY';

const KEY_RULE = '32 bytes, as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)';

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A key from its text form: 64 hex digits, or base64 (standard or URL-safe) of 32 bytes. */
export function parseKey(text: string, from: string): SecretKey {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) key = Buffer.from(t, 'base64');
  if (!key || key.length !== 32)
    throw new UsageError(`${from} is not a valid key: expected ${KEY_RULE}`);
  return { key, id: keyId(key), from };
}

/**
 * The key named by `<VAR>` or `<VAR>_FILE` (both set is ambiguous, refused), or undefined when
 * neither is set. `which` picks the current key or the old one (rotate-key).
 */
export function loadKey(
  env: NodeJS.ProcessEnv,
  which: 'current' | 'old' = 'current',
): SecretKey | undefined {
  const name = which === 'current' ? KEY_ENV : OLD_KEY_ENV;
  const fileVar = `${name}_FILE`;
  const inline = env[name];
  const file = env[fileVar];
  if (inline && file) throw new UsageError(`both ${name} and ${fileVar} are set; set one`);
  if (inline) return parseKey(inline, name);
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${fileVar}: cannot read ${file}: ${(err as Error).message}`);
  }
  return parseKey(text, `${fileVar} (${file})`);
}

function aad(server: string): Buffer {
  return Buffer.from(`tenantctl server password:${server}`, 'utf8');
}

export function seal(key: SecretKey, server: string, password: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(aad(server));
  const ciphertext = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
  return { keyId: key.id, iv, tag: cipher.getAuthTag(), ciphertext };
}

/**
 * The password, or a clear refusal: no key configured, a key other than the one it was sealed
 * with (both named by id), or a ciphertext that fails its tag (altered, or moved between rows).
 */
export function unseal(key: SecretKey | undefined, server: string, sealed: Sealed): string {
  if (!key)
    throw new FailedError(
      `server "${server}": its password is stored encrypted (key ${sealed.keyId}) and no key is configured`,
      { code: 'secret-key-missing' },
    );
  if (key.id !== sealed.keyId)
    throw new FailedError(
      `server "${server}": its password is encrypted with key ${sealed.keyId}, but ${key.from} is key ${key.id}`,
      { code: 'secret-key-mismatch' },
    );
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.iv);
    decipher.setAAD(aad(server));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new FailedError(
      `server "${server}": its stored password fails authentication under key ${key.id} (altered, or copied from another server's row)`,
      { cause: err },
    );
  }
}
