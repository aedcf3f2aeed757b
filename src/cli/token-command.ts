import { defineCommand } from 'citty';
import { issueDevToken } from '../adapters/node/key-files.ts';

export const token = defineCommand({
  meta: {
    name: 'token',
    description: 'Print a token from the development issuer under --data (so $(egw token …) works)',
  },
  args: {
    scope: { type: 'string', description: 'Scopes, space- or comma-separated', required: true },
    client: {
      type: 'string',
      description: 'Client id (the decisions it creates are its own)',
      default: 'egw-dev-client',
    },
    ttl: { type: 'string', description: 'Lifetime in seconds', default: '3600' },
    data: { type: 'string', description: 'Data directory', default: './data' },
  },
  async run({ args }) {
    process.stdout.write(
      `${await issueDevToken({ dataDir: args.data, scopes: args.scope, clientId: args.client, ttlSeconds: Number(args.ttl) })}\n`,
    );
  },
});
