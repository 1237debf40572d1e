import type { Pool } from 'pg';
import { INSERT_DELIVERY } from 'src/ingestion/projection.sql';
import { REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';
import type { ProviderName } from 'src/config/provider-registry';
import type { WebhookRequest } from './webhook-routes';

/**
 * Stores a delivery as an older version of the service would have after wrongly refusing it: the exact
 * request, kept as `rejected` with that version's reason, nothing applied. Replaying it applies it.
 */
export async function storeRejected(
  db: Pool,
  provider: ProviderName,
  request: WebhookRequest,
  receivedAt = new Date(),
): Promise<string> {
  const context = provider === 'eyeson' ? { [REFERENCE_CONTEXT_KEY]: 'fault-suite-call' } : {};
  const { rows } = await db.query<{ id: string }>(INSERT_DELIVERY, [
    provider,
    receivedAt,
    `old-version-${Math.random().toString(36).slice(2)}`,
    'application/json',
    JSON.stringify({ 'content-type': 'application/json' }),
    JSON.stringify(context),
    request.body,
    request.body.length,
    'rejected',
    JSON.stringify({ status: 422, code: 'validation-failed', detail: 'refused by an older version' }),
    null, // body_sha256: the body is kept whole
  ]);
  return rows[0].id;
}
