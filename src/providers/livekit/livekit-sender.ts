import { createHash } from 'node:crypto';
import { AccessToken, WebhookEvent } from 'livekit-server-sdk';
import type { LivekitKey } from 'src/providers/livekit/livekit.config';

/**
 * The body exactly as LiveKit's server writes it: the event in the protocol's JSON form (the SDK's own
 * serializer: camelCase, 64-bit integers as strings, enums by name).
 */
export function livekitBody(event: Record<string, unknown>): string {
  return WebhookEvent.fromJson(event as never).toJsonString();
}

/**
 * The `Authorization` token LiveKit's server sends with a webhook: issued by the API key, signed with its
 * secret, valid five minutes, carrying the base64 SHA-256 of the body (made with the SDK's AccessToken).
 */
export async function livekitToken(
  body: string | Buffer,
  key: LivekitKey,
  ttl: string | number = '5m',
): Promise<string> {
  const token = new AccessToken(key.apiKey, key.apiSecret, { ttl });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

/** A `key:secret` entry of LIVEKIT_WEBHOOK_KEYS as a key pair. */
export function livekitKeyOf(entry: string): LivekitKey {
  const colon = entry.indexOf(':');
  return { apiKey: entry.slice(0, colon), apiSecret: entry.slice(colon + 1) };
}
