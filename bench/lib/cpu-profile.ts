/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the CPU went: self time per
 * step of a decision, by the innermost project frame on each sample's stack, and the
 * hottest functions. Pure: it takes the parsed JSON.
 */

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The steps of issue 7's breakdown, plus what surrounds them. */
export type ProfileBucket =
  | 'auth'
  | 'validation & routing'
  | 'fan-out (connectors)'
  | 'policy'
  | 'write set (store, seal, log)'
  | 'signature'
  | 'service & canonical JSON'
  | 'metrics'
  | 'http server & runtime'
  | 'garbage collector'
  | 'other';

const RULES: readonly [RegExp, ProfileBucket][] = [
  [/\/src\/http\/auth\.[jt]s$/, 'auth'],
  [/\/src\/http\/|\/schemas\//, 'validation & routing'],
  [/\/connectors\//, 'fan-out (connectors)'],
  [/\/src\/core\/policy\//, 'policy'],
  [/\/src\/adapters\/portable\/jose-signer\.[jt]s$/, 'signature'],
  [
    /\/src\/adapters\/node\/(sqlite-store|sqlite-database|checkpoint-signer)\.[jt]s$|\/src\/adapters\/portable\/sealer\.[jt]s$|\/src\/core\/(log\/|leaves\.[jt]s)/,
    'write set (store, seal, log)',
  ],
  [/\/src\/core\//, 'service & canonical JSON'],
  [/\/src\/adapters\/node\/prometheus-metrics\.[jt]s$/, 'metrics'],
];

/**
 * After an `await` the stack starts at the microtask, so library frames are attributed by
 * what they do in this gateway: JWS verification is only the bearer-token check, JWS
 * signing is the decision's JWS and the disability connector's JWT, AES-GCM is sealing.
 */
const LIBRARY_RULES: readonly [RegExp, RegExp, ProfileBucket][] = [
  [/jose\/.*jws_verify|jose\/.*jwt\/verify/, /./, 'auth'],
  [/jose\/.*jws_sign|jose\/.*jwt\/sign/, /./, 'signature'],
  [/^node:internal\/crypto\/aes/, /./, 'write set (store, seal, log)'],
  [/better-sqlite3|drizzle-orm|@noble\//, /./, 'write set (store, seal, log)'],
  [/\/undici\/|node:internal\/deps\/undici|^node:_tls|^node:internal\/tls/, /./, 'fan-out (connectors)'],
  [/\/zod\/|@hono\/zod|hono\/dist\/.*validator/, /./, 'validation & routing'],
  [/prom-client/, /./, 'metrics'],
];

function libraryBucketOf(url: string, functionName: string): ProfileBucket | undefined {
  for (const [file, fn, bucket] of LIBRARY_RULES) if (file.test(url) && fn.test(functionName)) return bucket;
  return undefined;
}

/** The bucket of a frame's URL when it is project code (not node_modules), else undefined. */
export function bucketOf(url: string): ProfileBucket | undefined {
  if (!url.startsWith('file://') || url.includes('/node_modules/')) return undefined;
  // Loaders may add a query string to module URLs.
  const path = url.split('?')[0] ?? url;
  for (const [pattern, bucket] of RULES) if (pattern.test(path)) return bucket;
  return undefined;
}

/** Package or runtime area of a frame, for frames outside the project. */
export function areaOf(url: string, functionName: string): string {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  if (url === '') return `(${functionName || 'native'})`;
  return (url.split('?')[0] ?? url).replace(/^.*\/(src|connectors|schemas|bench)\//, '$1/');
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Self time per bucket, ms (idle excluded from total). */
  readonly buckets: Readonly<Record<string, number>>;
  /** Hottest areas (package, runtime module or project file) by self time, ms. */
  readonly areas: readonly { readonly area: string; readonly ms: number }[];
  readonly functions: readonly { readonly name: string; readonly ms: number }[];
}

/**
 * @example summarizeProfile(JSON.parse(readFileSync('CPU.cpuprofile', 'utf8'))).buckets.policy
 */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketCache = new Map<number, ProfileBucket>();
  const bucketFor = (id: number): ProfileBucket => {
    const cached = bucketCache.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    const name = node?.callFrame.functionName ?? '';
    let bucket: ProfileBucket;
    if (name === '(garbage collector)') bucket = 'garbage collector';
    else {
      let found: ProfileBucket | undefined;
      let library: ProfileBucket | undefined;
      for (let at: number | undefined = id; at !== undefined && !found; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        found = bucketOf(frame?.url ?? '');
        library ??= libraryBucketOf(frame?.url ?? '', frame?.functionName ?? '');
      }
      bucket = found ?? library ?? (name === '(program)' ? 'other' : 'http server & runtime');
    }
    bucketCache.set(id, bucket);
    return bucket;
  };
  const buckets: Record<string, number> = {};
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    totalMs += ms;
    const bucket = bucketFor(id);
    buckets[bucket] = (buckets[bucket] ?? 0) + ms;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${area}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    totalMs,
    buckets,
    areas: sorted(areas).map(([area, ms]) => ({ area, ms })),
    functions: sorted(functions).map(([name, ms]) => ({ name, ms })),
  };
}
