import type { Commitment, Connection, PublicKey } from '@solana/web3.js';

/**
 * The port the Solana sources read through: many accounts in one call, all at one slot. Adapters:
 * - connectionReader: live RPC through web3.js getMultipleAccountsInfoAndContext;
 * - liteSvmReader: an in-process SVM (litesvm) for tests and offline runs.
 */
export interface AccountData {
  readonly data: Uint8Array;
  readonly owner: PublicKey;
}

export interface AccountSnapshot {
  readonly slot: number;
  /** In the order asked; null for an account that does not exist. */
  readonly accounts: ReadonlyArray<AccountData | null>;
}

export interface AccountReader {
  /** What failures name: the RPC URL, or a label for an in-process reader. */
  readonly endpoint?: string;
  getAccounts(pubkeys: PublicKey[]): Promise<AccountSnapshot>;
}

/** getMultipleAccounts accepts at most 100 keys per call. */
export const MAX_ACCOUNTS_PER_CALL = 100;

export function connectionReader(connection: Connection, opts: { commitment?: Commitment } = {}): AccountReader {
  return {
    endpoint: connection.rpcEndpoint,
    async getAccounts(pubkeys) {
      if (pubkeys.length > MAX_ACCOUNTS_PER_CALL) {
        throw new RangeError(`getMultipleAccounts takes at most ${MAX_ACCOUNTS_PER_CALL} accounts, asked for ${pubkeys.length}`);
      }
      const res = await connection.getMultipleAccountsInfoAndContext(pubkeys, opts.commitment ? { commitment: opts.commitment } : undefined);
      return {
        slot: res.context.slot,
        accounts: res.value.map((a) => (a ? { data: new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), owner: a.owner } : null)),
      };
    },
  };
}

/**
 * The slice of litesvm's LiteSVM this adapter uses, typed structurally so src/ carries no dependency on
 * litesvm (a devDependency): `new LiteSVM()` satisfies it, and so would any other in-process bank.
 */
export interface LiteSvmLike {
  getAccount(address: PublicKey): { data: Uint8Array; owner: PublicKey } | null;
  getClock(): { slot: bigint };
}

export function liteSvmReader(svm: LiteSvmLike, endpoint = 'litesvm (in-process)'): AccountReader {
  return {
    endpoint,
    async getAccounts(pubkeys) {
      const slot = svm.getClock().slot;
      return {
        slot: Number(slot),
        accounts: pubkeys.map((k) => {
          const a = svm.getAccount(k);
          return a ? { data: a.data, owner: a.owner } : null;
        }),
      };
    },
  };
}
