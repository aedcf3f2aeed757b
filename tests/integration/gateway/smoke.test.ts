import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { type InProcessGateway, startInProcess } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'smoke', size: 50 });
let gw: InProcessGateway;

beforeAll(async () => {
  gw = await startInProcess({ fixtures });
});
afterAll(() => gw.close());

describe('the embedded default serves a decision', () => {
  it('answers 201 with a signed decision and a receipt, then 200 with the same decision on replay', async () => {
    const body = requestFor(fixtures, 0);
    const first = await gw.verify(body, { key: 'smoke-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const decision = (await first.json()) as {
      id: string;
      signature: string;
      receipt: { leafIndex: number };
    };
    expect(decision.signature.split('.')).toHaveLength(3);
    const replay = await gw.verify(body, { key: 'smoke-1' });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual(decision);
  });
});
