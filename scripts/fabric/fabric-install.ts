/**
 * Finds Fabric's release folders (binaries, sample config, ccaas builder). CI tells
 * "Fabric absent" from "network broken" by the exit code, so absence is its own error.
 */
import { accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';

export const EXIT_FABRIC_ABSENT = 3;

export interface FabricInstall {
  readonly bin: string;
  readonly config: string;
  readonly builders: string;
}

/** Thrown when a folder of the installation lacks what the network needs. */
export class FabricAbsentError extends Error {
  readonly code = 'ERR_FABRIC_ABSENT';
}

const BINARIES = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'] as const;
const CONFIG_FILES = ['core.yaml', 'orderer.yaml'] as const;
const BUILDER_STEPS = ['detect', 'build', 'release'] as const;

function fromEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return resolve(value !== undefined && value !== '' ? value : fallback);
}

function missingIn(dir: string, names: readonly string[], mode: number): string[] {
  return names.filter((name) => {
    try {
      accessSync(join(dir, name), mode);
      return false;
    } catch {
      return true;
    }
  });
}

/** Checks the three folders; throws one FabricAbsentError naming the first incomplete one. */
export function locateFabric(): FabricInstall {
  const install: FabricInstall = {
    bin: fromEnv('FABRIC_BIN', '/opt/fabric/bin'),
    config: fromEnv('FABRIC_CFG_PATH', '/opt/fabric/config'),
    builders: fromEnv('FABRIC_BUILDERS', '/opt/fabric/builders'),
  };
  const bins = missingIn(install.bin, BINARIES, constants.X_OK);
  if (bins.length > 0) {
    throw new FabricAbsentError(
      `no Fabric binaries in ${install.bin} (missing: ${bins.join(', ')}); install Fabric v2.5.16's release binaries there or set FABRIC_BIN`,
    );
  }
  const configs = missingIn(install.config, CONFIG_FILES, constants.R_OK);
  if (configs.length > 0) {
    throw new FabricAbsentError(
      `no Fabric config in ${install.config} (missing: ${configs.join(', ')}); install Fabric v2.5.16's release config there or set FABRIC_CFG_PATH`,
    );
  }
  const builderBin = join(install.builders, 'ccaas', 'bin');
  const steps = missingIn(builderBin, BUILDER_STEPS, constants.X_OK);
  if (steps.length > 0) {
    throw new FabricAbsentError(
      `no ccaas builder in ${builderBin} (missing: ${steps.join(', ')}); install Fabric v2.5.16's ccaas builder there or set FABRIC_BUILDERS`,
    );
  }
  return install;
}
