import { isUtf8 } from 'node:buffer';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/config/provider-registry';
import { atProviderRoute } from 'src/ingestion/webhook-intake';
import {
  decodeHex,
  hmac,
  matchesAnyKey,
  rawBodyOf,
  refuseWhenDisabled,
  singleHeader,
} from 'src/ingestion/signature';

export const WMS_MAC_HEADER = 'X-WMS-Content-MAC';
const PREFIX = 'hmac-sha256=';

/**
 * The bytes a WMS MAC may cover for `body`, at most one form per body and never the same bytes for two
 * bodies, so that a MAC vouches for exactly one body:
 * - the raw bytes, for a UTF-8 body (JSON is UTF-8; a body that is not cannot be genuine WMS output);
 * - also the documented sample's form, `hmac.update(body.toString(), 'ascii')`, which keeps the low byte of
 *   each character, but only where that is one-to-one and cannot collide with a raw body: every character
 *   is at most U+00FF, and the resulting bytes are not themselves UTF-8 with non-ASCII bytes. Without
 *   these conditions "victim" and "ŶũţŴũŭ" share a MAC, and so do a raw-signed "é" and its mojibake "Ã©".
 * The price: a genuine sample-signed body whose characters happen to spell UTF-8 as bytes (such as "Ã©")
 * is refused; a raw-signed UTF-8 body never is.
 */
export function wmsMacInputs(body: Buffer): Buffer[] {
  if (body.every((byte) => byte < 0x80)) return [body];
  if (!isUtf8(body)) return [];
  const text = body.toString('utf8');
  if (/[\u0100-\uffff]/.test(text)) return [body];
  const sample = Buffer.from(text, 'latin1');
  return isUtf8(sample) ? [body] : [body, sample];
}

/** The MAC the header carries; refuses a missing, repeated or malformed header. Needs no body. */
export function wmsMacOf(req: Request): Buffer {
  const header = singleHeader(req, WMS_MAC_HEADER).trim();
  if (!header.toLowerCase().startsWith(PREFIX)) {
    throw unauthorized('signature-malformed', `${WMS_MAC_HEADER} must start with "${PREFIX}".`);
  }
  return decodeHex(header.slice(PREFIX.length), 32, WMS_MAC_HEADER);
}

/** What can be refused before the body is read (see webhook-intake.ts). */
export const wmsPrecheck = (config: AppConfig): WebhookPrecheck =>
  atProviderRoute((req) => {
    refuseWhenDisabled(config.providers.wms.keys, 'wms');
    wmsMacOf(req);
  });

/**
 * `X-WMS-Content-MAC: hmac-sha256=<hex>`: HMAC-SHA256 of the body with the Config ID's MAC secret. Checked
 * against every configured secret over each form `wmsMacInputs` allows.
 */
@Injectable()
export class WmsSignatureGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.providers.wms.keys;
  }

  canActivate(context: ExecutionContext): boolean {
    refuseWhenDisabled(this.keys, 'wms');
    const req = context.switchToHttp().getRequest<Request>();
    const provided = wmsMacOf(req);
    const body = rawBodyOf(req);
    for (const input of wmsMacInputs(body)) {
      if (matchesAnyKey(this.keys, provided, (key) => hmac('sha256', key, input))) return true;
    }
    throw unauthorized(
      'signature-mismatch',
      `${WMS_MAC_HEADER} does not match the body under any configured secret.`,
    );
  }
}
