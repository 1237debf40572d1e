import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProblemException, unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/config/provider-registry';
import { refuseWhenDisabled } from 'src/ingestion/signature';
import { WindowCounter } from 'src/rate-limit/window-counter';
import { expiryProblem, secretKey, verifyCallbackToken } from 'src/providers/eyeson/eyeson-callback-token';
import { EyesonRevokedUrls } from 'src/providers/eyeson/eyeson-revoked-urls.service';
import { REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';

/** Verifies a callback token's MAC and expiry; returns the reference it binds, or refuses. */
function referenceOf(token: string | undefined, keys: readonly Buffer[], legacyUntil: Date | null): string {
  refuseWhenDisabled(keys, 'eyeson');
  if (token === undefined || token === '')
    throw unauthorized('signature-missing', 'The callback token is missing.');
  const check = verifyCallbackToken(token, keys);
  if (!check.ok) {
    throw unauthorized(
      check.reason === 'malformed' ? 'signature-malformed' : 'signature-mismatch',
      check.detail,
    );
  }
  const expired = expiryProblem(check.expiresAt, Date.now(), legacyUntil);
  if (expired !== null) throw unauthorized('token-expired', expired);
  return check.reference;
}

/**
 * The path token is the whole credential, so it is checked before the body is read (see
 * webhook-intake.ts). `path` is relative to the provider's prefix: `/<token>`; any other shape is left
 * to the router (404).
 */
export const eyesonPrecheck = (config: AppConfig): WebhookPrecheck => {
  const keys = config.providers.eyeson.secrets.map(secretKey);
  const legacyUntil = config.providers.eyeson.legacyUrlsUntil;
  return (_req: Request, path: string): void => {
    const token = path.slice(1);
    if (path.startsWith('/') && !token.includes('/')) referenceOf(token, keys, legacyUntil);
  };
};

/**
 * StreamRec signs nothing, so the credential is the callback URL: the `:token` path segment must be a
 * token minted under one of `EYESON_CALLBACK_SECRETS` (see eyeson-callback-token.ts), not expired, and
 * not revoked. Its reference may make EYESON_DELIVERIES_PER_MINUTE_PER_REFERENCE deliveries a minute
 * (per instance), so that a leaked URL cannot fill the inbox at line rate. On success the reference is
 * handed to ingestion as the delivery's context (stored, so replay files it alike).
 */
@Injectable()
export class EyesonSignatureGuard implements CanActivate {
  private readonly keys: Buffer[];
  private readonly legacyUntil: Date | null;
  private readonly perReference: WindowCounter | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly revoked: EyesonRevokedUrls,
  ) {
    const eyeson = config.providers.eyeson;
    this.keys = eyeson.secrets.map(secretKey);
    this.legacyUntil = eyeson.legacyUrlsUntil;
    const limit = eyeson.deliveriesPerMinutePerReference;
    this.perReference = limit > 0 ? new WindowCounter(limit, 60_000) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const token = (req.params as Record<string, string | undefined>).token;
    const reference = referenceOf(token, this.keys, this.legacyUntil);
    this.limitRate(reference, context.switchToHttp().getResponse<Response>());
    if (await this.revoked.isRevoked(token!))
      throw unauthorized('token-revoked', 'This callback URL has been revoked.');
    req.webhookContext = { [REFERENCE_CONTEXT_KEY]: reference };
    return true;
  }

  private limitRate(reference: string, res: Response): void {
    if (this.perReference === null) return;
    const blockedFor = this.perReference.blockedForSeconds(reference);
    if (blockedFor > 0) {
      res.setHeader('Retry-After', String(blockedFor));
      throw new ProblemException(
        429,
        'too-many-requests',
        'Too many requests',
        `More than ${this.perReference.limit} deliveries in a minute for this callback URL's reference; nothing was stored.`,
        { retryAfterSeconds: blockedFor },
      );
    }
    this.perReference.hit(reference);
  }
}
