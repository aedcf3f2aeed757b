/**
 * Contract: `PUT|GET|DELETE /v1/webhooks` (issue 13). One webhook per client, scope
 * `webhooks:admin`; the URL obeys the partner connectors' address guards; the Standard
 * Webhooks secret is in the PUT answer only; no client sees or changes another's webhook.
 * The accepted URL is never reached: the suite's clients have no decisions to be told of.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/core/encoding.ts';
import { type ContractClient, contractClient, expectProblem, type TextResponse } from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';

/** A URL every target accepts (a Node target resolves `*.example.org` to a public address). */
export const CONTRACT_WEBHOOK_URL = 'https://intake.example.org/hooks/eligibility';

/** @example describeWebhookContract(() => target); */
export function describeWebhookContract(source: TargetSource): void {
  describe('contract: a client’s webhook', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let clientId: string;
    let admin: string;

    const put = (body: unknown, token: string, language: 'en' | 'zh-CN' = 'en'): Promise<TextResponse> =>
      client.sendJson('PUT', '/v1/webhooks', body, { token, language });

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      clientId = `contract-webhooks-${crypto.randomUUID()}`;
      admin = await target.mintToken(['webhooks:admin'], clientId);
    });

    it('refuses every method without webhooks:admin (403) and without a token (401)', async () => {
      const token = await target.mintToken(
        ['verifications:write', 'verifications:read', 'audit:read'],
        clientId,
      );
      expectProblem(target, await put({ url: CONTRACT_WEBHOOK_URL }, token), 403, 'ERR_FORBIDDEN');
      for (const method of ['GET', 'DELETE'])
        expectProblem(target, await client.request(method, '/v1/webhooks', { token }), 403, 'ERR_FORBIDDEN');
      expectProblem(target, await client.get('/v1/webhooks', { token: null }), 401, 'ERR_UNAUTHENTICATED');
    });

    it('refuses a URL the address guards refuse, or a malformed body, with 400 naming /url', async () => {
      const refused = [
        'not a url',
        'http://intake.example.org/hooks',
        'ftp://intake.example.org/hooks',
        'https://user:secret@intake.example.org/hooks',
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.7/hooks',
        'https://192.168.1.20/hooks',
        'https://[fe80::1]/hooks',
        'https://0.0.0.0/hooks',
      ];
      for (const language of ['en', 'zh-CN'] as const) {
        for (const url of refused) {
          const problem = expectProblem(
            target,
            await put({ url }, admin, language),
            400,
            'ERR_VALIDATION',
            language,
          );
          expect(problem.errors?.map((e) => e.path)).toContain('/url');
        }
      }
      for (const body of [{}, { url: CONTRACT_WEBHOOK_URL, secret: 'whsec_AAAA' }, { url: 42 }, 'not json'])
        expectProblem(target, await put(body, admin), 400, 'ERR_VALIDATION');
      expectProblem(target, await client.get('/v1/webhooks', { token: admin }), 404, 'ERR_NOT_FOUND');
    });

    it('registers, shows the secret once, replaces with a new secret, and removes', async () => {
      const created = await put({ url: CONTRACT_WEBHOOK_URL }, admin);
      expect(created.status, created.text).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const first = JSON.parse(created.text) as {
        url: string;
        secret: string;
        createdAt: string;
        updatedAt: string;
      };
      expect(first.url).toBe(CONTRACT_WEBHOOK_URL);
      expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
      const bytes = fromBase64(first.secret.slice('whsec_'.length)).length;
      expect(bytes).toBeGreaterThanOrEqual(24);
      expect(bytes).toBeLessThanOrEqual(64);

      const read = await client.get('/v1/webhooks', { token: admin });
      expect(read.status).toBe(200);
      expect(JSON.parse(read.text)).toEqual({
        url: first.url,
        createdAt: first.createdAt,
        updatedAt: first.updatedAt,
      });
      expect(read.text).not.toContain(first.secret.slice('whsec_'.length));

      const replaced = await put({ url: `${CONTRACT_WEBHOOK_URL}/v2` }, admin);
      expect(replaced.status).toBe(200);
      const second = JSON.parse(replaced.text) as { url: string; secret: string; createdAt: string };
      expect(second.secret).not.toBe(first.secret);
      expect(second.createdAt).toBe(first.createdAt);
      expect(second.url).toBe(`${CONTRACT_WEBHOOK_URL}/v2`);

      const removed = await client.request('DELETE', '/v1/webhooks', { token: admin });
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      expectProblem(
        target,
        await client.request('DELETE', '/v1/webhooks', { token: admin }),
        404,
        'ERR_NOT_FOUND',
      );
      expectProblem(target, await client.get('/v1/webhooks', { token: admin }), 404, 'ERR_NOT_FOUND', 'en');
    });

    it('keeps each client’s webhook its own', async () => {
      expect((await put({ url: CONTRACT_WEBHOOK_URL }, admin)).status).toBe(201);
      const other = await target.mintToken(
        ['webhooks:admin', 'audit:read'],
        `contract-webhooks-other-${crypto.randomUUID()}`,
      );
      expectProblem(target, await client.get('/v1/webhooks', { token: other }), 404, 'ERR_NOT_FOUND');
      expectProblem(
        target,
        await client.request('DELETE', '/v1/webhooks', { token: other }),
        404,
        'ERR_NOT_FOUND',
      );
      expect((await client.get('/v1/webhooks', { token: admin })).status).toBe(200);
      expect((await client.request('DELETE', '/v1/webhooks', { token: admin })).status).toBe(204);
    });

    it('is documented in the OpenAPI', async () => {
      const fetchFn = target.fetch ?? fetch;
      const doc = (await (await fetchFn(`${target.baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(doc.paths['/v1/webhooks'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
      expect(Object.keys(doc.paths['/v1/verifications'] ?? {}).sort()).toEqual(['get', 'post']);
    });
  });
}
