/**
 * A misbehaving peer for issue 16's failure tests: a loopback proxy in front of the real
 * Suzhou gateway that forwards, or forges its receipt, never answers, widens the question to
 * someone not asked about (so the real peer signs facts about them), narrows it to fewer
 * sources, re-signs the facts with a key the trust list does not hold, or swaps the asking
 * gateway's token for an untrusted one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CompactSign, generateKeyPair, SignJWT } from 'jose';

export type ProxyMode =
  | 'pass'
  | 'forge_receipt'
  | 'timeout'
  | 'unasked_subject'
  | 'drop_source'
  | 'untrusted_key'
  | 'untrusted_asker';

export interface PeerProxy {
  readonly url: string;
  mode: ProxyMode;
  /** Where `pass` forwards to; set once the real peer's URL is known. */
  target: string;
  /** Who `unasked_subject` adds to every question. */
  extraSubject: string;
  /** The Authorization header of the last question that came through. */
  readonly lastAuthorization: string;
  close(): Promise<void>;
}

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
  const state = { mode: 'pass' as ProxyMode, target: '', extraSubject: '', lastAuthorization: '' };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = await bodyOf(req);
    if (state.mode === 'timeout') {
      held.push(res);
      return;
    }
    let authorization = String(req.headers.authorization ?? '');
    state.lastAuthorization = authorization;
    if (state.mode === 'unasked_subject') {
      const body = JSON.parse(text) as { queries: { subjects: string[] }[] };
      for (const q of body.queries) q.subjects.push(state.extraSubject);
      text = JSON.stringify(body);
    }
    if (state.mode === 'drop_source') {
      // The real peer signs an answer that leaves out a source it was asked for.
      const body = JSON.parse(text) as { queries: { source: string }[] };
      body.queries = body.queries.filter((q) => q.source !== 'civil_affairs');
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
    if (upstream.status === 200 && state.mode === 'forge_receipt') {
      const parsed = JSON.parse(answer) as { receipt: { inclusionProof: string[]; leafIndex: number } };
      // Claim the leaf sits elsewhere in the tree: the proof no longer leads to the signed root.
      parsed.receipt.leafIndex += 1;
      answer = JSON.stringify(parsed);
    }
    if (upstream.status === 200 && state.mode === 'untrusted_key') {
      const parsed = JSON.parse(answer) as { signature: string };
      const payload = Buffer.from(parsed.signature.split('.')[1] ?? '', 'base64url');
      parsed.signature = await new CompactSign(payload)
        .setProtectedHeader({ alg: 'ES256', kid: 'impostor', typ: 'egw-federation-facts+jws' })
        .sign(impostor.privateKey);
      answer = JSON.stringify(parsed);
    }
    res.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    });
    res.end(answer);
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
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    get target() {
      return state.target;
    },
    set target(t) {
      state.target = t;
    },
    get lastAuthorization() {
      return state.lastAuthorization;
    },
    get extraSubject() {
      return state.extraSubject;
    },
    set extraSubject(s) {
      state.extraSubject = s;
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
