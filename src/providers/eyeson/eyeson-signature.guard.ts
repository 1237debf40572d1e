import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/ingestion/webhook-intake';
import { refuseWhenDisabled } from 'src/ingestion/signature';
import { secretKey, verifyCallbackToken } from 'src/providers/eyeson/eyeson-callback-token';
import { REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';

/** Verifies a callback token; returns the reference it binds, or refuses. */
function referenceOf(token: string | undefined, keys: readonly Buffer[]): string {
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
  return check.reference;
}

/**
 * The path token is the whole credential, so it is checked before the body is read (see
 * webhook-intake.ts). `path` is relative to the provider's prefix: `/<token>`; any other shape is left
 * to the router (404).
 */
export const eyesonPrecheck = (config: AppConfig): WebhookPrecheck => {
  const keys = config.providers.eyeson.secrets.map(secretKey);
  return (req: Request, path: string): void => {
    const token = path.slice(1);
    if (path.startsWith('/') && !token.includes('/')) referenceOf(token, keys);
  };
};

/**
 * StreamRec signs nothing, so the credential is the callback URL: the `:token` path segment must be a
 * token minted under one of `EYESON_CALLBACK_SECRETS` (see eyeson-callback-token.ts). On success the
 * reference it binds is handed to ingestion as the delivery's context (stored, so replay files it alike).
 */
@Injectable()
export class EyesonSignatureGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = config.providers.eyeson.secrets.map(secretKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    const token = (req.params as Record<string, string | undefined>).token;
    req.webhookContext = { [REFERENCE_CONTEXT_KEY]: referenceOf(token, this.keys) };
    return true;
  }
}
