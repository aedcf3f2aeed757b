/** `egw token`: a token from the development issuer under `--data`, and nothing else on stdout. */
import { issueDevToken } from '../adapters/node/key-files.ts';
import { SCOPES } from '../http/auth.ts';
import { UsageError } from './cli-errors.ts';
import { defineEgwCommand } from './egw-command.ts';
import { converted, dataOption, numberOption, text } from './options.ts';

/** Space- or comma-separated scopes, each one of the published list. */
export function parseScopes(value: string, flagName = '--scope'): string[] {
  const scopes = value.split(/[\s,]+/).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || unknown.length > 0)
    throw new UsageError(
      `${flagName}: ${unknown.length > 0 ? `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}` : 'no scope given'}; the scopes are ${SCOPES.join(', ')}`,
    );
  return scopes;
}

export const token = defineEgwCommand({
  name: 'token',
  description: 'Print a token from the development issuer under --data (so $(egw token …) works)',
  options: {
    scope: converted({ description: 'Scopes, space- or comma-separated', required: true }, parseScopes),
    client: text({
      description: 'Client id (the decisions it creates are its own)',
      default: 'egw-dev-client',
      pattern: /^[\w.:-]{1,128}$/,
      hint: 'letters, digits, ".", ":", "-" or "_"',
    }),
    ttl: numberOption({
      description: 'Lifetime in seconds',
      default: 3600,
      min: 1,
      max: 30 * 24 * 3600,
      unit: 's',
    }),
    data: dataOption({ mustExist: true }),
  },
  async run(o) {
    process.stdout.write(
      `${await issueDevToken({ dataDir: o.data, scopes: o.scope, clientId: o.client, ttlSeconds: o.ttl })}\n`,
    );
    return undefined;
  },
});
