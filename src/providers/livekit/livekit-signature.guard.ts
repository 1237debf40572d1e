import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { WebhookReceiver } from 'livekit-server-sdk';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/config/provider-registry';
import { atProviderRoute } from 'src/ingestion/webhook-intake';
import { rawBodyOf, refuseWhenDisabled, singleHeader } from 'src/ingestion/signature';

export const LIVEKIT_AUTH_HEADER = 'Authorization';

/** Why the SDK refused the token, as jose (the SDK's JWT library) codes it, or the SDK's own checks. */
function refusalOf(err: unknown): 'expired' | 'body-mismatch' | 'bad-token' | 'not-signature' {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : '';
  // The SDK checks the token before it parses the body: a parse error means the signature held.
  if (err instanceof SyntaxError || message.startsWith('cannot decode')) return 'not-signature';
  if (code === 'ERR_JWT_EXPIRED') return 'expired';
  if (message.includes('sha256 checksum')) return 'body-mismatch';
  return 'bad-token';
}

/** What can be refused before the body is read (see webhook-intake.ts): no key pair, no token. */
export const livekitPrecheck = (config: AppConfig): WebhookPrecheck =>
  atProviderRoute((req) => {
    refuseWhenDisabled(config.providers.livekit.keys, 'livekit');
    singleHeader(req, LIVEKIT_AUTH_HEADER);
  });

/**
 * LiveKit signs a webhook with a JWT in `Authorization` (no "Bearer"): issued by an API key, signed HS256
 * with its secret, valid five minutes, its `sha256` claim the base64 SHA-256 of the body. Checked by the
 * official SDK's `WebhookReceiver`, once per configured key pair (rotation); every pair is tried.
 */
@Injectable()
export class LivekitSignatureGuard implements CanActivate {
  private readonly receivers: WebhookReceiver[];
  private readonly clockTolerance: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { keys, clockToleranceSeconds } = config.providers.livekit;
    this.receivers = keys.map((k) => new WebhookReceiver(k.apiKey, k.apiSecret));
    this.clockTolerance = clockToleranceSeconds;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    refuseWhenDisabled(this.receivers, 'livekit');
    const req = context.switchToHttp().getRequest<Request>();
    const token = singleHeader(req, LIVEKIT_AUTH_HEADER).trim();
    const body = rawBodyOf(req).toString('utf8');
    const refusals = await Promise.all(
      this.receivers.map((receiver) =>
        receiver.receive(body, token, false, this.clockTolerance).then(
          () => 'accepted' as const,
          (err: unknown) => refusalOf(err),
        ),
      ),
    );
    // A body LiveKit's schema cannot read was still signed: the adapter stores it as rejected and says why.
    if (refusals.some((r) => r === 'accepted' || r === 'not-signature')) return true;
    if (refusals.includes('expired')) {
      throw unauthorized('token-expired', 'The LiveKit webhook token has expired.');
    }
    if (refusals.includes('body-mismatch')) {
      throw unauthorized('signature-mismatch', "The body's SHA-256 does not match the token's sha256 claim.");
    }
    throw unauthorized(
      'signature-mismatch',
      `${LIVEKIT_AUTH_HEADER} is not a token signed by any configured LiveKit API key.`,
    );
  }
}
