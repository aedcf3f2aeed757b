/**
 * A misbehaving peer for issue 16's failure tests: a loopback proxy in front of the real
 * Suzhou gateway. It forwards; or forges the receipt; or never answers; or alters the
 * question in transit (the peer refuses it: the token binds the question); or re-signs the
 * facts with a key in no trust list; or swaps the asking gateway's token for an untrusted
 * one; or, holding the peer's REAL signing key (a compromised or faulty peer), signs facts
 * about someone not asked about, or leaves out a source it was asked for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CompactSign, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export type ProxyMode =
  | 'pass'
  | 'forge_receipt'
  | 'timeout'
  | 'altered_question'
  | 'untrusted_key'
  | 'untrusted_asker'
  | 'unasked_subject'
  | 'drop_source';

export interface PeerProxy {
  readonly url: string;
  mode: ProxyMode;
  /** Where the proxy forwards to; set once the real peer's URL is known. */
  target: string;
  /** Who `altered_question` and `unasked_subject` add. */
  extraSubject: string;
  /** The real peer's private signing key, for the modes where the peer itself misbehaves. */
  peerKey: JWK | undefined;
  /** The Authorization header of the last question that came through. */
  readonly lastAuthorization: string;
  close(): Promise<void>;
}

interface Facts {
  answers: { source: string; status: string; subjects: { idNumber: string; records: unknown[] }[] }[];
}

const FACTS_TYP = 'egw-federation-facts+jws';

type SigningKey = Parameters<CompactSign['sign']>[0];

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** @example const proxy = await startPeerProxy(); proxy.mode = 'forge_receipt'; */
export async function startPeerProxy(): Promise<PeerProxy> {
  // A key in no trust list.
  const impostor = await generateKeyPair('ES256');
  const held: ServerResponse[] = [];
  const state = {
    mode: 'pass' as ProxyMode,
    target: '',
    extraSubject: '',
    peerKey: undefined as JWK | undefined,
    lastAuthorization: '',
  };

  /** The answer with its facts changed by `edit` and signed again with `key`. */
  async function resigned(
    answer: string,
    key: SigningKey,
    kid: string,
    edit: (facts: Facts) => void,
  ): Promise<string> {
    const parsed = JSON.parse(answer) as { signature: string };
    const facts = JSON.parse(Buffer.from(parsed.signature.split('.')[1] ?? '', 'base64url').toString('utf8'));
    edit(facts as Facts);
    parsed.signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(facts)))
      .setProtectedHeader({ alg: 'ES256', kid, typ: FACTS_TYP })
      .sign(key);
    return JSON.stringify(parsed);
  }

  async function peerSigned(answer: string, edit: (facts: Facts) => void): Promise<string> {
    const jwk = state.peerKey;
    if (!jwk) throw new Error('set peerKey first');
    return resigned(answer, (await importJWK(jwk, 'ES256')) as SigningKey, String(jwk.kid), edit);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = await bodyOf(req);
    if (state.mode === 'timeout') {
      held.push(res);
      return;
    }
    let authorization = String(req.headers.authorization ?? '');
    state.lastAuthorization = authorization;
    if (state.mode === 'altered_question') {
      const body = JSON.parse(text) as { queries: { subjects: string[] }[] };
      for (const q of body.queries) q.subjects.push(state.extraSubject);
      text = JSON.stringify(body);
    }
    if (state.mode === 'untrusted_asker') {
      const claims = JSON.parse(Buffer.from(authorization.split('.')[1] ?? '', 'base64url').toString('utf8'));
      const forged = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'impostor', typ: 'egw-federation+jwt' })
        .sign(impostor.privateKey);
      authorization = `Bearer ${forged}`;
    }
    const upstream = await fetch(`${state.target}${req.url ?? '/'}`, {
      method: req.method ?? 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: text,
    });
    let answer = await upstream.text();
    if (upstream.status === 200) answer = await tamper(answer);
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(answer);
  }

  async function tamper(answer: string): Promise<string> {
    switch (state.mode) {
      case 'forge_receipt': {
        const parsed = JSON.parse(answer) as { receipt: { leafIndex: number } };
        // Claim the leaf sits elsewhere in the tree: the proof no longer leads to the signed root.
        parsed.receipt.leafIndex += 1;
        return JSON.stringify(parsed);
      }
      case 'untrusted_key':
        return resigned(answer, impostor.privateKey, 'impostor', () => {});
      case 'unasked_subject':
        return peerSigned(answer, (facts) => {
          facts.answers[0]?.subjects.push({ idNumber: state.extraSubject, records: [] });
        });
      case 'drop_source':
        return peerSigned(answer, (facts) => {
          facts.answers = facts.answers.filter((a) => a.source !== 'civil_affairs');
        });
      default:
        return answer;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The handle is the state itself: a test's `proxy.mode = …` is what the next request sees.
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
