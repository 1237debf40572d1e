import { PROVIDERS } from 'src/providers/providers';
import type { ProviderSimulator } from 'src/simulator/simulator.types';

/** The simulator of every registered provider that has one, in registration order (loaded on first use). */
export async function loadSimulators(): Promise<ProviderSimulator[]> {
  const loaded = await Promise.all(PROVIDERS.map((provider) => provider.simulator?.()));
  return loaded.filter((simulator) => simulator !== undefined);
}

export async function simulatorFor(provider: string): Promise<ProviderSimulator | undefined> {
  return (await loadSimulators()).find((simulator) => simulator.provider === provider);
}
