import { PublicKey } from '@solana/web3.js';
import { LayoutError, readPubkey, readU32, readU64, readU8 } from '../../../sources/solana/bytes.js';

/**
 * SPL stake pool ValidatorList (Borsh): account_type u8 (2) · max_validators u32 · Vec<ValidatorStakeInfo>
 * (u32 length, then 73-byte items: active_stake_lamports u64, transient_stake_lamports u64,
 * last_update_epoch u64, transient_seed_suffix u64, unused u32, validator_seed_suffix u32, status u8,
 * vote_account_address). From program/src/state.rs at the reference's commit; the golden test checks
 * it against @solana/spl-stake-pool's ValidatorListLayout on the real JitoSOL list.
 */
export const VALIDATOR_LIST_ACCOUNT_TYPE = 2;
const ITEM = 73;

export interface ValidatorEntry {
  readonly voteAccount: PublicKey;
  readonly activeStakeLamports: bigint;
  readonly transientStakeLamports: bigint;
  readonly lastUpdateEpoch: bigint;
  readonly validatorSeedSuffix: number;
  /** 0 Active, 1 DeactivatingTransient, 2 ReadyForRemoval, 3 DeactivatingValidator, 4 DeactivatingAll. */
  readonly status: number;
}

export function parseValidatorList(data: Uint8Array): ValidatorEntry[] {
  const t = readU8(data, 0, 'account_type');
  if (t !== VALIDATOR_LIST_ACCOUNT_TYPE) throw new LayoutError(`account_type is ${t}, expected ${VALIDATOR_LIST_ACCOUNT_TYPE} (ValidatorList)`);
  const n = readU32(data, 5, 'validators.len');
  const out: ValidatorEntry[] = [];
  for (let i = 0; i < n; i++) {
    const o = 9 + i * ITEM;
    out.push({
      activeStakeLamports: readU64(data, o, `validators[${i}].active_stake_lamports`),
      transientStakeLamports: readU64(data, o + 8, `validators[${i}].transient_stake_lamports`),
      lastUpdateEpoch: readU64(data, o + 16, `validators[${i}].last_update_epoch`),
      validatorSeedSuffix: readU32(data, o + 36, `validators[${i}].validator_seed_suffix`),
      status: readU8(data, o + 40, `validators[${i}].status`),
      voteAccount: readPubkey(data, o + 41, `validators[${i}].vote_account_address`),
    });
  }
  return out;
}

/** The pool's stake account for a validator: PDA [vote, pool, seed suffix (u32 LE, omitted when 0)]. */
export function validatorStakeAddress(program: PublicKey, pool: PublicKey, v: Pick<ValidatorEntry, 'voteAccount' | 'validatorSeedSuffix'>): PublicKey {
  const seeds = [v.voteAccount.toBuffer(), pool.toBuffer()];
  if (v.validatorSeedSuffix !== 0) {
    const s = Buffer.alloc(4);
    s.writeUInt32LE(v.validatorSeedSuffix);
    seeds.push(s);
  }
  return PublicKey.findProgramAddressSync(seeds, program)[0];
}
