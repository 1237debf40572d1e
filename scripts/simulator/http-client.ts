import type { SimRequest } from 'src/simulator/simulator.types';

export interface SimResponse {
  status: number;
  contentType: string | null;
  requestId: string | null;
  text: string;
  /** The body parsed as JSON when it is JSON. */
  json: Record<string, unknown> | null;
}

async function read(res: Response): Promise<SimResponse> {
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      json = parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    requestId: res.headers.get('x-request-id'),
    text,
    json,
  };
}

/** Sends the request byte for byte (the signature is over these bytes). */
export async function send(baseUrl: string, req: SimRequest, timeoutMs = 10_000): Promise<SimResponse> {
  const body = typeof req.body === 'string' ? req.body : new Uint8Array(req.body);
  const res = await fetch(`${baseUrl}${req.path}`, {
    method: 'POST',
    headers: req.headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return read(res);
}

/** POSTs JSON to the service's API with the API key. */
export async function postApi(
  baseUrl: string,
  apiKey: string,
  path: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<SimResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return read(res);
}

/** What GET /api/deliveries/:id says about a delivery, as far as the simulator reports it. */
export interface DeliveryOutcome {
  status: 'projected' | 'failed' | 'rejected';
  eventId: string | null;
  error: unknown;
}

/**
 * Waits until the service has projected the delivery (GET /api/deliveries/:id no longer says `pending`,
 * usually within milliseconds), so that whatever is queried next includes it. Null when the API does not
 * tell (e.g. another API key) or not within `timeoutMs`.
 */
export async function deliveryOutcome(
  baseUrl: string,
  apiKey: string,
  deliveryId: string,
  timeoutMs = 10_000,
): Promise<DeliveryOutcome | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/deliveries/${encodeURIComponent(deliveryId)}`, {
      headers: { Authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) return null;
    const view = (await res.json()) as { status: string } & Omit<DeliveryOutcome, 'status'>;
    if (view.status !== 'pending') return view as DeliveryOutcome;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
