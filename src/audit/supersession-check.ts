/**
 * For a decision that replaces another (`supersedes`): the gateway's log must hold, right after
 * its decision leaf, a `supersession` leaf naming both decisions and their leaves, included in
 * the checkpoint the receipt verified against. Checked from the public log only.
 */
import { fromBase64 } from '../core/encoding.ts';
import { leafHash } from '../core/log/rfc9162.ts';
import { verifyInclusion } from '../core/log/verify.ts';

export interface SupersessionCheck {
  readonly name: 'supersession';
  readonly ok: boolean;
  readonly detail: string;
}

export interface SupersessionCheckInput {
  /** The successor decision, as returned (with `supersedes` and `receipt`). */
  readonly decision: { readonly id?: unknown; readonly supersedes?: unknown; readonly receipt?: unknown };
  /** The checkpoint the receipt verified against. */
  readonly checkpoint: { readonly size: number; readonly rootHash: Uint8Array };
  readonly gateway: string;
  readonly fetch?: typeof fetch;
}

/**
 * @example const check = await checkSupersession({ decision, checkpoint: verdict.checkpoint, gateway });
 */
export async function checkSupersession(input: SupersessionCheckInput): Promise<SupersessionCheck> {
  const get = input.fetch ?? fetch;
  const base = input.gateway.replace(/\/+$/, '');
  const { id, supersedes } = input.decision;
  const decisionLeaf = (input.decision.receipt as { leafIndex?: unknown } | undefined)?.leafIndex;
  const fail = (detail: string): SupersessionCheck => ({ name: 'supersession', ok: false, detail });
  if (typeof supersedes !== 'string' || typeof decisionLeaf !== 'number')
    return fail('The decision names no decision it replaces.');
  const index = decisionLeaf + 1;
  if (index >= input.checkpoint.size)
    return fail(
      `The checkpoint (size ${input.checkpoint.size}) does not reach the supersession leaf ${index}.`,
    );
  try {
    const page = (await (
      await get(`${base}/v1/log/entries?start=${index}&end=${index + 1}`, { redirect: 'error' })
    ).json()) as { entries?: { index: number; leaf: string }[] };
    const entry = page.entries?.find((e) => e.index === index);
    if (!entry) return fail(`The gateway's log has no leaf ${index}.`);
    const bytes = fromBase64(entry.leaf);
    const leaf = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (
      leaf.kind !== 'supersession' ||
      leaf.decisionId !== id ||
      leaf.decisionLeaf !== decisionLeaf ||
      leaf.supersededId !== supersedes ||
      typeof leaf.supersededLeaf !== 'number'
    )
      return fail(`Leaf ${index} is not a supersession leaf binding ${String(id)} to ${supersedes}.`);
    const proof = (await (
      await get(`${base}/v1/log/proof/inclusion?index=${index}&size=${input.checkpoint.size}`, {
        redirect: 'error',
      })
    ).json()) as { hashes?: string[] };
    verifyInclusion(
      leafHash(bytes),
      index,
      input.checkpoint.size,
      (proof.hashes ?? []).map((h) => fromBase64(h)),
      input.checkpoint.rootHash,
    );
    return {
      name: 'supersession',
      ok: true,
      detail: `The log's leaf ${index} (${String(leaf.cause)}) binds this decision to ${supersedes} (leaf ${leaf.supersededLeaf}), in the same checkpoint.`,
    };
  } catch (error) {
    return fail(
      `The supersession leaf could not be proven from ${base}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
