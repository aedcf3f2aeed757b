/**
 * The gateway's secrets for data at rest and for the log, kept under `<data>/keys` with mode
 * 0600 and created on first start: the AES-256-GCM data keys (a ring, so keys can rotate),
 * the lookup-hash key, and the log's Ed25519 note key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateNoteKey } from '../../core/log/note-key.ts';
import type { DataKeyRing } from '../portable/sealer.ts';

interface DataKeysFile {
  current: string;
  keys: Record<string, string>;
  lookupKey: string;
}

function writeSecret(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
}

function keysDir(dataDir: string): string {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Loads the data key ring, creating it on first use. @example const ring = loadDataKeyRing('./data'); */
export function loadDataKeyRing(dataDir: string): DataKeyRing {
  const file = join(keysDir(dataDir), 'data-keys.json');
  if (!existsSync(file)) {
    const kid = `dk-${randomBytes(4).toString('hex')}`;
    const initial: DataKeysFile = {
      current: kid,
      keys: { [kid]: randomBytes(32).toString('base64') },
      lookupKey: randomBytes(32).toString('base64'),
    };
    writeSecret(file, `${JSON.stringify(initial, null, 2)}\n`);
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as DataKeysFile;
  return {
    current: parsed.current,
    keys: Object.fromEntries(
      Object.entries(parsed.keys).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    lookupKey: new Uint8Array(Buffer.from(parsed.lookupKey, 'base64')),
  };
}

/** Adds a new current data key; old keys stay in the ring to open old records. */
export function rotateDataKey(dataDir: string): string {
  loadDataKeyRing(dataDir);
  const file = join(keysDir(dataDir), 'data-keys.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as DataKeysFile;
  const kid = `dk-${randomBytes(4).toString('hex')}`;
  parsed.keys[kid] = randomBytes(32).toString('base64');
  parsed.current = kid;
  writeSecret(file, `${JSON.stringify(parsed, null, 2)}\n`);
  return kid;
}

/** The log's note signer key (`PRIVATE+KEY+…`), created on first use for `origin`. */
export function loadNoteSignerKey(dataDir: string, origin: string): string {
  const file = join(keysDir(dataDir), 'log-note.key');
  if (!existsSync(file)) writeSecret(file, `${generateNoteKey(origin).signerKey}\n`);
  return readFileSync(file, 'utf8').trim();
}
