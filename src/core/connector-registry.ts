/**
 * The mutable `ConnectorRegistry`: the built-in connectors plus the active partner
 * connectors, held as one immutable snapshot that is swapped whole. A request reads the
 * snapshot once per registry (`get`, `partners`) and keeps the connector it got, so an
 * activation, a new version or a deactivation never changes a request halfway; the
 * connector it replaced is closed once its last in-flight query has answered.
 */
import type { Source } from '../../schemas/common.ts';
import type { Connector, ConnectorRegistry, PartnerConnector, RegistryQuery } from './ports.ts';

/** A partner connector ready to serve: the partner view, and for a built-in kind the source's view too. */
export interface InstalledConnector {
  readonly partner: PartnerConnector;
  /** Present when the manifest's kind is a built-in source: it then serves that source in its regions. */
  readonly builtIn?: Connector;
}

/** The registry the lifecycle service drives. */
export interface MutableConnectorRegistry extends ConnectorRegistry {
  partners(region: string): readonly PartnerConnector[];
  /**
   * Serves `entry` from now on, replacing the entry with the same id in one swap. The
   * replaced connector finishes its in-flight queries, then is closed.
   */
  install(entry: InstalledConnector): void;
  /** Stops serving the connector with this id (same draining). False when none was installed. */
  remove(id: string): boolean;
  /** Ids, kinds and versions now serving. */
  installed(): readonly { readonly id: string; readonly kind: string; readonly version: number }[];
  /** Closes every partner connector (shutdown). */
  closeAll(): Promise<void>;
}

export interface ConnectorRegistryOptions {
  /** Longest wait for in-flight queries before a replaced connector is closed anyway. Default 30 s. */
  readonly drainMs?: number;
}

/** A connector with its in-flight count, so retirement can wait for it. */
class Counted {
  inFlight = 0;
  retired = false;
  #closed = false;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  readonly partner: PartnerConnector;
  readonly builtIn: Connector | undefined;
  readonly #original: InstalledConnector;
  readonly #drainMs: number;

  constructor(entry: InstalledConnector, drainMs: number) {
    this.#original = entry;
    this.#drainMs = drainMs;
    const p = entry.partner;
    this.partner = {
      id: p.id,
      kind: p.kind,
      version: p.version,
      serves: (region) => p.serves(region),
      query: (q) => this.#counted(() => p.query(q)),
    };
    const b = entry.builtIn;
    this.builtIn = b && {
      id: b.id,
      source: b.source,
      query: (q: RegistryQuery) => this.#counted(() => b.query(q)),
    };
  }

  async #counted<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await run();
    } finally {
      this.inFlight -= 1;
      if (this.retired && this.inFlight === 0) void this.close();
    }
  }

  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) void this.close();
    else this.#drainTimer = setTimeout(() => void this.close(), this.#drainMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#drainTimer !== undefined) clearTimeout(this.#drainTimer);
    await Promise.all([this.#original.partner.close?.(), this.#original.builtIn?.close?.()]).catch(
      () => undefined,
    );
  }
}

/**
 * @example
 * const registry = createConnectorRegistry(builtIns);
 * registry.install({ partner: housingFund });
 * createVerificationService({ connectors: registry, ... });
 */
export function createConnectorRegistry(
  builtIns: { readonly [S in Source]?: Connector<S> },
  options: ConnectorRegistryOptions = {},
): MutableConnectorRegistry {
  const drainMs = options.drainMs ?? 30_000;
  // The snapshot: replaced, never mutated, so a reader always sees one consistent set.
  let snapshot: ReadonlyMap<string, Counted> = new Map();

  const swap = (next: Map<string, Counted>, replaced: Counted | undefined) => {
    snapshot = next;
    replaced?.retire();
  };

  return {
    get<S extends Source>(source: S, region?: string): Connector<S> | undefined {
      if (region !== undefined)
        for (const entry of snapshot.values())
          if (entry.builtIn?.source === source && entry.partner.serves(region))
            return entry.builtIn as Connector<S>;
      return builtIns[source];
    },
    partners(region: string): readonly PartnerConnector[] {
      const out: PartnerConnector[] = [];
      for (const entry of snapshot.values())
        if (entry.builtIn === undefined && entry.partner.serves(region)) out.push(entry.partner);
      return out;
    },
    install(entry) {
      const next = new Map(snapshot);
      const replaced = next.get(entry.partner.id);
      next.set(entry.partner.id, new Counted(entry, drainMs));
      swap(next, replaced);
    },
    remove(id) {
      const replaced = snapshot.get(id);
      if (!replaced) return false;
      const next = new Map(snapshot);
      next.delete(id);
      swap(next, replaced);
      return true;
    },
    installed() {
      return [...snapshot.values()].map((e) => ({
        id: e.partner.id,
        kind: e.partner.kind,
        version: e.partner.version,
      }));
    },
    async closeAll() {
      const all = [...snapshot.values()];
      snapshot = new Map();
      await Promise.all(all.map((e) => e.close()));
    },
  };
}
