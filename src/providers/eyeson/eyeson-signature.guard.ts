import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { refuseWhenDisabled } from 'src/ingestion/signature';
import { secretKey, verifyCallbackToken } from 'src/providers/eyeson/eyeson-callback-token';
import { REFERENCE_CONTEXT_KEY } from 'src/providers/eyeson/eyeson.service';

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
    refuseWhenDisabled(this.keys, 'eyeson');
    const req = context.switchToHttp().getRequest<Request>();
    const token = (req.params as Record<string, string | undefined>).token;
    if (token === undefined || token === '')
      throw unauthorized('signature-missing', 'The callback token is missing.');
    const check = verifyCallbackToken(token, this.keys);
    if (!check.ok) {
      throw unauthorized(
        check.reason === 'malformed' ? 'signature-malformed' : 'signature-mismatch',
        check.detail,
      );
    }
    req.webhookContext = { [REFERENCE_CONTEXT_KEY]: check.reference };
    return true;
  }
}
