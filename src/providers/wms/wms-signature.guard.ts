import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
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
 * The bytes WMS's published sample hashes: `hmac.update(requestBody.toString(), 'ascii')`, i.e. the body
 * decoded as UTF-8 and re-encoded one byte per character. Identical to the raw bytes for an ASCII body.
 */
export function wmsSampleBytes(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8'), 'ascii');
}

/**
 * `X-WMS-Content-MAC: hmac-sha256=<hex>`: HMAC-SHA256 of the body with the Config ID's MAC secret. Checked
 * over the raw bytes against every configured secret; for a body with non-ASCII bytes the sample's
 * re-encoding is tried too, since that is what the documented sender code hashes.
 */
@Injectable()
export class WmsSignatureGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { secrets, secretEncoding } = config.providers.wms;
    this.keys = secrets.map((s) => Buffer.from(s, secretEncoding));
  }

  canActivate(context: ExecutionContext): boolean {
    refuseWhenDisabled(this.keys, 'wms');
    const req = context.switchToHttp().getRequest<Request>();
    const header = singleHeader(req, WMS_MAC_HEADER).trim();
    if (!header.toLowerCase().startsWith(PREFIX)) {
      throw unauthorized('signature-malformed', `${WMS_MAC_HEADER} must start with "${PREFIX}".`);
    }
    const provided = decodeHex(header.slice(PREFIX.length), 32, WMS_MAC_HEADER);
    const body = rawBodyOf(req);
    if (matchesAnyKey(this.keys, provided, (key) => hmac('sha256', key, body))) return true;
    const isAscii = body.every((byte) => byte < 0x80);
    if (!isAscii && matchesAnyKey(this.keys, provided, (key) => hmac('sha256', key, wmsSampleBytes(body))))
      return true;
    throw unauthorized(
      'signature-mismatch',
      `${WMS_MAC_HEADER} does not match the body under any configured secret.`,
    );
  }
}
