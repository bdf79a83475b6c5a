import type { Address } from 'viem';
import { startAnvil, type Anvil } from './anvil.js';
import { deployExecDoubles, type ExecDoubles } from './exec-doubles.js';
import { deploySafeContracts, type SafeDeployment } from './safe-deploy.js';
import { startSafeServiceDouble, type SafeServiceDouble } from './safe-service-double.js';
import { anvilAccount, testChain, type TestChain } from './solidity.js';

/**
 * What every Safe test stands on: anvil (chain 31337) with the protocol doubles at the prices the Safe
 * tests plan against, the real Safe v1.4.1 contracts, and a loopback Safe Transaction Service double.
 * Owners of the 2-of-3 Safes are anvil accounts 2, 3 and 4; the keeper proposes as delegate account 5,
 * registered per Safe in `delegates` (the service checks it).
 */
export const SAFE_OWNERS = [anvilAccount(2), anvilAccount(3), anvilAccount(4)];
export const SAFE_DELEGATE = anvilAccount(5);

export interface SafeWorld {
  readonly anvil: Anvil;
  readonly admin: TestChain;
  readonly d: ExecDoubles;
  readonly dep: SafeDeployment;
  readonly service: SafeServiceDouble;
  /** Safe → the delegates the service accepts proposals from. */
  readonly delegates: Record<string, Address[]>;
  stop(): Promise<void>;
}

export async function startSafeWorld(o: { apiKey: string; trustMultiSend?: boolean }): Promise<SafeWorld> {
  const anvil = await startAnvil({ chainId: 31337 });
  const admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  const d = await deployExecDoubles(admin, { curveSeed: 1000n, curvePrices: { weETH: 10n ** 36n / 961_510_000_000_000_000n }, uniswapPrices: { buy: 854_470_000_000_000_000n } });
  const dep = await deploySafeContracts(admin);
  const delegates: Record<string, Address[]> = {};
  const trusted = o.trustMultiSend ? [dep.multiSendCallOnly, dep.multiSend] : [dep.multiSendCallOnly];
  const service = await startSafeServiceDouble({ client: admin.client, apiKey: o.apiKey, delegates, trustedDelegateCallTargets: trusted });
  return {
    anvil,
    admin,
    d,
    dep,
    service,
    delegates,
    async stop() {
      await service.close();
      await anvil.stop();
    },
  };
}
