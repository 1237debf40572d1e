import type { AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/ingestion/webhook-intake';
import { eyesonPrecheck } from 'src/providers/eyeson/eyeson-signature.guard';
import { millicastPrecheck } from 'src/providers/millicast/millicast-signature.guard';
import { perculusPrecheck } from 'src/providers/perculus/perculus-signature.guard';
import type { ProviderName } from 'src/providers/provider-configs';
import { wmsPrecheck } from 'src/providers/wms/wms-signature.guard';

/**
 * What each provider's guard can refuse from the request line and headers alone, run before the body is
 * read. A new provider adds one line; the compiler insists.
 */
export function webhookPrechecks(config: AppConfig): { readonly [P in ProviderName]: WebhookPrecheck } {
  return {
    eyeson: eyesonPrecheck(config),
    millicast: millicastPrecheck(config),
    perculus: perculusPrecheck(config),
    wms: wmsPrecheck(config),
  };
}
