import { PublicKey } from '@solana/web3.js';

/**
 * A Jito Vault account (1111 bytes) in the layout src/sources/solana/jito-vault.ts parses, for the tests
 * that seed one: the fields the builders, the doubles and the pending reader read, the rest zero.
 */
export function jitoVaultBytes(o: {
  readonly vrtMint: PublicKey;
  readonly supportedMint: PublicKey;
  readonly vrtSupply: bigint;
  readonly tokensDeposited: bigint;
  readonly feeWallet: PublicKey;
  readonly lastFullStateUpdateSlot: bigint;
  readonly base?: PublicKey | undefined;
  readonly mintBurnAdmin?: PublicKey | undefined;
  readonly depositFeeBps?: number | undefined;
  readonly paused?: boolean | undefined;
}): Buffer {
  const d = Buffer.alloc(1111);
  d[0] = 2; // the Vault discriminator
  (o.base ?? PublicKey.default).toBuffer().copy(d, 8);
  o.vrtMint.toBuffer().copy(d, 40);
  o.supportedMint.toBuffer().copy(d, 72);
  d.writeBigUInt64LE(o.vrtSupply, 104);
  d.writeBigUInt64LE(o.tokensDeposited, 112);
  o.feeWallet.toBuffer().copy(d, 696);
  (o.mintBurnAdmin ?? PublicKey.default).toBuffer().copy(d, 728);
  d.writeBigUInt64LE(o.lastFullStateUpdateSlot, 832);
  d.writeUInt16LE(o.depositFeeBps ?? 0, 840);
  d[851] = o.paused ? 1 : 0;
  return d;
}
