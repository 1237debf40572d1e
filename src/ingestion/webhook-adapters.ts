import type { ModuleRef } from '@nestjs/core';
import { providerDefinition, ProviderName } from 'src/config/provider-registry';
import type { WebhookAdapter } from 'src/ingestion/ingestion.types';

/**
 * The registered provider's adapter instance from a running application (or application context), for code
 * that processes stored deliveries outside a request (replay).
 */
export function webhookAdapter(app: Pick<ModuleRef, 'get'>, provider: ProviderName): WebhookAdapter<unknown> {
  const definition = providerDefinition(provider);
  if (definition === undefined) throw new Error(`no provider "${provider}" is registered`);
  return app.get<unknown, WebhookAdapter<unknown>>(definition.adapter, { strict: false });
}
