import { registerProviders } from 'src/config/provider-registry';
import { eyesonProvider } from 'src/providers/eyeson/eyeson.provider';
import { livekitProvider } from 'src/providers/livekit/livekit.provider';
import { millicastProvider } from 'src/providers/millicast/millicast.provider';
import { perculusProvider } from 'src/providers/perculus/perculus.provider';
import { wmsProvider } from 'src/providers/wms/wms.provider';

/**
 * Every provider the service receives, registered when this file is loaded (the app module, the scripts and
 * the tests load it before reading configuration). A new provider is one more entry here.
 */
export const PROVIDERS = [perculusProvider, eyesonProvider, millicastProvider, wmsProvider, livekitProvider];

registerProviders(PROVIDERS);
