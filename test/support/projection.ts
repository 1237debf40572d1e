import { TEST_API_KEY } from './test-app';

/** A delivery as GET /api/deliveries/:id shows it. */
export interface DeliveryView {
  id: string;
  status: 'pending' | 'projected' | 'failed' | 'rejected';
  eventId: string | null;
  duplicateCount: number;
  error: Record<string, unknown> | null;
  [field: string]: unknown;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks again every few ms until `check` gives a value (not undefined), for at most `timeoutMs`. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await pause(10);
  }
}

/**
 * Waits until the delivery is no longer pending (projected, failed or rejected), as a client does: through
 * GET /api/deliveries/:id. State read after this includes the delivery. Bounded; never a fixed sleep.
 */
export function waitForDelivery(
  baseUrl: string,
  deliveryId: string,
  { apiKey = TEST_API_KEY, timeoutMs = 15_000 } = {},
): Promise<DeliveryView> {
  return until(`delivery ${deliveryId} projected`, timeoutMs, async () => {
    const res = await fetch(`${baseUrl}/api/deliveries/${deliveryId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (res.status !== 200)
      throw new Error(`GET /api/deliveries/${deliveryId}: ${res.status} ${await res.text()}`);
    const delivery = (await res.json()) as DeliveryView;
    return delivery.status === 'pending' ? undefined : delivery;
  });
}

/** Waits for the delivery a webhook was answered with (`deliveryId` of a 2xx body); returns it. */
export function waitForProjection(
  baseUrl: string,
  response: { status: number; body?: unknown },
  options?: { apiKey?: string; timeoutMs?: number },
): Promise<DeliveryView> {
  const deliveryId = (response.body as { deliveryId?: unknown } | undefined)?.deliveryId;
  if (typeof deliveryId !== 'string') {
    throw new Error(`not an answer naming a delivery: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return waitForDelivery(baseUrl, deliveryId, options);
}

/**
 * Waits until no acknowledged delivery waits for projection, as an operator sees it: `inbox.pending` of
 * GET /health/ready. For tests that send many deliveries, then read the state.
 */
export function waitForBacklog(baseUrl: string, { timeoutMs = 30_000 } = {}): Promise<void> {
  return until('projection backlog empty', timeoutMs, async () => {
    const res = await fetch(`${baseUrl}/health/ready`);
    const body = (await res.json()) as { details?: { inbox?: { pending?: number } } };
    return body.details?.inbox?.pending === 0 ? true : undefined;
  }).then(() => undefined);
}
