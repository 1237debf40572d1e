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

export const MILLICAST_SIGNATURE_HEADER = 'X-Millicast-Signature';
const PREFIX = 'sha1=';
const SHA1_BYTES = 20;

/** The digest of a `sha1=<hex>` header value; refuses a malformed one. Needs no body. */
function millicastDigestOf(header: string): Buffer {
  const value = header.trim();
  if (value.slice(0, PREFIX.length).toLowerCase() !== PREFIX) {
    throw unauthorized('signature-malformed', `${MILLICAST_SIGNATURE_HEADER} must start with "${PREFIX}".`);
  }
  return decodeHex(value.slice(PREFIX.length), SHA1_BYTES, `The ${MILLICAST_SIGNATURE_HEADER} digest`);
}

/** What can be refused before the body is read (see webhook-intake.ts). */
export const millicastPrecheck = (config: AppConfig): WebhookPrecheck =>
  atProviderRoute((req) => {
    refuseWhenDisabled(config.providers.millicast.keys, 'millicast');
    millicastDigestOf(singleHeader(req, MILLICAST_SIGNATURE_HEADER));
  });

/**
 * Checks `sha1=<hex>` = HMAC-SHA1 of the exact body bytes (the JPEG for thumbnails) under any of `keys`, in
 * constant time; throws a 401 problem otherwise.
 */
export function verifyMillicastSignature(header: string, body: Buffer, keys: readonly Buffer[]): void {
  const provided = millicastDigestOf(header);
  if (!matchesAnyKey(keys, provided, (key) => hmac('sha1', key, body))) {
    throw unauthorized(
      'signature-mismatch',
      `${MILLICAST_SIGNATURE_HEADER} does not match the body under any configured secret.`,
    );
  }
}

/** Refuses by default: no secret configured, or no valid signature, means 401 before anything is stored. */
@Injectable()
export class MillicastSignatureGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.providers.millicast.keys;
  }

  canActivate(context: ExecutionContext): boolean {
    refuseWhenDisabled(this.keys, 'millicast');
    const req = context.switchToHttp().getRequest<Request>();
    verifyMillicastSignature(singleHeader(req, MILLICAST_SIGNATURE_HEADER), rawBodyOf(req), this.keys);
    return true;
  }
}
