/**
 * One authenticated call to a gateway from a command: `--token` or $EGW_TOKEN as the bearer,
 * and a problem answer printed as its errors and one line, exit 1.
 */
import { CommandError, fetchOrExplain } from './cli-errors.ts';

const fail = (text: string): never => {
  throw new CommandError(text);
};

/** @example const res = await callGateway({ gateway, token }, 'GET', '/v1/reverifications'); */
export async function callGateway(
  args: { readonly gateway: string; readonly token?: string | undefined },
  method: 'GET' | 'POST',
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Response | undefined> {
  const token = args.token ?? process.env.EGW_TOKEN;
  if (!token) return fail('give --token or set EGW_TOKEN');
  const res = await fetchOrExplain(`${args.gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body }),
  });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as {
      title?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    for (const e of problem.errors ?? []) process.stderr.write(`  ${e.path || '/'}: ${e.message}\n`);
    return fail(`HTTP ${res.status}: ${problem.title ?? ''}${problem.detail ? ` — ${problem.detail}` : ''}`);
  }
  return res;
}
