import type { ProviderName } from 'src/config/provider-registry';
import { eyesonSimulator } from './eyeson.simulator';
import { millicastSimulator } from './millicast.simulator';
import { perculusSimulator } from './perculus.simulator';
import type { ProviderSimulator } from './simulator.types';
import { wmsSimulator } from './wms.simulator';

/** Every provider the simulator can send for. */
export const SIMULATORS: Partial<Record<ProviderName, ProviderSimulator>> = {
  perculus: perculusSimulator,
  eyeson: eyesonSimulator,
  millicast: millicastSimulator,
  wms: wmsSimulator,
};

export function simulatorFor(provider: string): ProviderSimulator | undefined {
  return Object.prototype.hasOwnProperty.call(SIMULATORS, provider) ? SIMULATORS[provider] : undefined;
}
