import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePopulation } from '../../../connectors/index.ts';
import { type ChildGateway, startChild } from '../../support/gateway-harness.ts';
import { requestFor } from '../../support/requests.ts';

const fixtures = generatePopulation({ seed: 'child-smoke', size: 20 });
let gw: ChildGateway;

beforeAll(async () => {
  gw = await startChild({ fixtures });
});
afterAll(() => gw.close());

describe('egw start as a process', () => {
  it('serves a decision and stops cleanly on SIGTERM', async () => {
    const response = await gw.verify(requestFor(fixtures, 1));
    expect(response.status).toBe(201);
    expect(await gw.stop()).toBe(0);
  });
});
