/**
 * The ledger's command-line options and what the auditor's commands do with them: a Fabric
 * connection profile (checked at start, one line when unusable) and the ledger check that
 * `egw audit verify --ledger` and `egw audit monitor --ledger` print.
 */
import { createFabricLedgerAnchor } from '../adapters/node/fabric-ledger-anchor.ts';
import {
  type FabricProfile,
  FabricProfileError,
  loadFabricProfile,
} from '../adapters/node/fabric-profile.ts';
import { LedgerUnavailable } from '../core/anchoring/ledger-anchor.ts';
import { CommandError, UsageError } from './cli-errors.ts';
import { converted } from './options.ts';

/** `--fabric-profile FILE` / `--ledger PROFILE`: a connection profile, loaded and checked at start. */
export function fabricProfileOption<
  const D extends { readonly description: string; readonly required?: boolean },
>(d: D) {
  return converted({ ...d, kind: 'file' as const }, (value, flag): FabricProfile => {
    try {
      return loadFabricProfile(value);
    } catch (error) {
      if (error instanceof FabricProfileError) throw new UsageError(`${flag}: ${error.message}`);
      throw error;
    }
  });
}

/**
 * Runs `use` with a ledger client for `profile`, closing it after; a ledger that cannot be
 * reached is one line naming its peer.
 */
export async function withLedger<T>(
  profile: FabricProfile,
  use: (ledger: ReturnType<typeof createFabricLedgerAnchor>) => Promise<T>,
): Promise<T> {
  const ledger = createFabricLedgerAnchor({ profile });
  try {
    return await use(ledger);
  } catch (error) {
    if (error instanceof LedgerUnavailable)
      throw new CommandError(
        `the ledger's peer ${profile.peer.endpoint} (${profile.mspId}): ${error.message}`,
      );
    throw error;
  } finally {
    ledger.close();
  }
}
