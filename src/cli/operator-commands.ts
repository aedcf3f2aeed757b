/**
 * `egw keys rotate` and `egw backup DIR`: what an operator runs on the gateway's data folder.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { rotateSigningKey } from '../adapters/node/key-files.ts';
import { CommandError, UsageError } from './cli-errors.ts';
import { defineEgwCommand, defineEgwGroup } from './egw-command.ts';
import { dataOption, text } from './options.ts';

export const keysRotate = defineEgwCommand({
  name: 'rotate',
  description:
    'Make a new decision signing key current; the old one stays published in the JWKS (restart the gateway to sign with the new key)',
  options: { data: dataOption({ mustExist: true }) },
  async run(o) {
    const { kid, retiredKid } = await rotateSigningKey(o.data);
    process.stdout.write(`new signing key ${kid} (current from the next start)
retired key  ${retiredKid} (still published at /.well-known/jwks.json, so decisions it signed keep verifying)
restart the gateway (systemctl restart egw) for it to sign with the new key
`);
    return 0;
  },
});

export const keys = defineEgwGroup('keys', 'Key management', { rotate: keysRotate });

/** Files of the data folder a backup leaves out: the database goes through SQLite's backup API. */
const NOT_COPIED = /^gateway\.sqlite(-wal|-shm|-journal)?$|\.lock$|\.tmp$/;

function copyTree(from: string, to: string): number {
  let count = 0;
  mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(from)) {
    if (NOT_COPIED.test(name)) continue;
    const source = join(from, name);
    const info = statSync(source);
    if (info.isDirectory()) count += copyTree(source, join(to, name));
    else if (info.isFile()) {
      copyFileSync(source, join(to, name));
      count += 1;
    }
  }
  return count;
}

export const backup = defineEgwCommand({
  name: 'backup',
  description:
    'Copy the data folder to DIR while the gateway runs: the database through SQLite’s online backup (WAL-safe), keys and settings as files',
  options: {
    dir: text({
      description: 'New backup folder (must not exist, or be empty)',
      positional: true,
      required: true,
    }),
    data: dataOption({ mustExist: true }),
  },
  async run(o) {
    const dir = o.dir;
    if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0))
      throw new UsageError(`DIR: ${dir} already exists and is not an empty folder`);
    const database = join(o.data, 'gateway.sqlite');
    if (!existsSync(database)) throw new CommandError(`${database}: no database (has the gateway run here?)`);
    const files = copyTree(o.data, dir);
    const target = join(dir, 'gateway.sqlite');
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      await db.backup(target);
    } finally {
      db.close();
    }
    // One self-contained file (the gateway turns WAL back on when it opens it), checked.
    const copy = new Database(target, { fileMustExist: true });
    let check: unknown;
    try {
      copy.pragma('journal_mode = DELETE');
      check = copy.pragma('integrity_check', { simple: true });
    } finally {
      copy.close();
    }
    if (check !== 'ok') throw new CommandError(`${target}: the copy failed SQLite's integrity check`);
    writeFileSync(
      join(dir, 'backup.json'),
      `${JSON.stringify({ from: o.data, at: new Date().toISOString(), files: files + 1 }, null, 2)}\n`,
      { mode: 0o600 },
    );
    process.stdout.write(`backed up ${o.data} to ${dir} (database by SQLite online backup, integrity ok; ${files} other files)
restore: stop the gateway, move ${dir} into place as its --data folder, start it (the log is re-verified at start)
`);
    return 0;
  },
});
