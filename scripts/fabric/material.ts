/**
 * Everything written before a process starts: crypto material (cryptogen), the
 * channel's genesis block (configtxgen), the TLS root bundle and the peer's core.yaml.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricInstall } from './fabric-install.ts';
import {
  BATCH_TIMEOUT_MS,
  CHANNEL,
  type Layout,
  ORDERER_DOMAIN,
  orgOf,
  PEER_ORGS,
  PORTS,
  SCRIPTS_DIR,
} from './settings.ts';
import { runTool } from './tools.ts';

/** Fills `${NAME}` placeholders; an unknown one is a bug in the template, so it throws. */
export function renderTemplate(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template placeholder \${${key}} has no value`);
    return String(value);
  });
}

function writeTemplate(name: string, target: string, values: Readonly<Record<string, string | number>>) {
  const text = readFileSync(join(SCRIPTS_DIR, 'templates', name), 'utf8');
  writeFileSync(target, renderTemplate(text, values));
}

export async function generateCrypto(install: FabricInstall, paths: Layout): Promise<void> {
  const input = join(paths.config, 'crypto-config.yaml');
  writeTemplate('crypto-config.yaml', input, {
    ORDERER_DOMAIN,
    JUSTICE_DOMAIN: orgOf('justice').domain,
    CIVIL_DOMAIN: orgOf('civil').domain,
  });
  await runTool(install, 'cryptogen', ['generate', `--config=${input}`, `--output=${paths.crypto}`]);
  // Each peer trusts both orgs' TLS CAs: a peer that trusts only its own CA fails the
  // first cross-org gossip handshake and then waits a whole reconnect interval.
  const roots = [paths.orderer.tlsCa, ...PEER_ORGS.map((org) => paths.peer(org).tlsCa)];
  writeFileSync(paths.tlsBundle, roots.map((file) => readFileSync(file, 'utf8')).join(''));
}

export async function generateChannelBlock(install: FabricInstall, paths: Layout): Promise<void> {
  writeTemplate('configtx.yaml', join(paths.config, 'configtx.yaml'), {
    CHANNEL,
    ORDERER_MSP: join(paths.crypto, 'ordererOrganizations', ORDERER_DOMAIN, 'msp'),
    JUSTICE_MSP: join(paths.crypto, 'peerOrganizations', orgOf('justice').domain, 'msp'),
    CIVIL_MSP: join(paths.crypto, 'peerOrganizations', orgOf('civil').domain, 'msp'),
    ORDERER_PORT: PORTS.orderer,
    JUSTICE_PORT: orgOf('justice').port,
    CIVIL_PORT: orgOf('civil').port,
    ORDERER_TLS_CERT: join(paths.orderer.tls, 'server.crt'),
    BATCH_TIMEOUT: `${BATCH_TIMEOUT_MS}ms`,
  });
  mkdirSync(join(paths.data, 'channel'), { recursive: true });
  await runTool(install, 'configtxgen', [
    '-configPath',
    paths.config,
    '-profile',
    'LegalAid',
    '-channelID',
    CHANNEL,
    '-outputBlock',
    paths.channelBlock,
  ]);
}

/**
 * The peer reads core.yaml from FABRIC_CFG_PATH. Docker must be off, and Viper ignores
 * an empty environment variable, so `vm.endpoint` is blanked in a copy of the file.
 */
export function writePeerCoreYaml(install: FabricInstall, paths: Layout): void {
  const original = readFileSync(join(install.config, 'core.yaml'), 'utf8');
  const patched = original.replace(/^(\s*endpoint:\s*)unix:\/\/\/var\/run\/docker\.sock\s*$/m, '$1""');
  if (patched === original) throw new Error(`could not find vm.endpoint in ${install.config}/core.yaml`);
  writeFileSync(join(paths.config, 'core.yaml'), patched);
}
