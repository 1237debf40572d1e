import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException, unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { IngestionService, rawDeliveryOf } from 'src/ingestion/ingestion.service';
import { rawBodyOf, refuseWhenDisabled } from 'src/ingestion/signature';
import { PerculusSeenTokens } from 'src/providers/perculus/perculus-seen-tokens.service';
import { tokenExpiresAt, TokenScheme, verifyPerculusToken } from 'src/providers/perculus/perculus-token';
import { perculusId } from 'src/providers/perculus/perculus-values';
import { PERCULUS_KEPT_HEADERS } from 'src/providers/perculus/perculus.service';

function jsonObjectOf(body: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Perculus authenticates in the body: `token = "<timestamp>|<hmac>"`. Refuses by default (no secret, no
 * JSON body, no token); then checks the token (perculus-token.ts) and binds it to the message's
 * `request_id` in the replay ledger (perculus-seen-tokens.service.ts).
 *
 * A token already bound to another `request_id` is refused with 401 `token-replayed`, and that delivery is
 * stored as rejected: never applied, but not lost either. The token signs only a timestamp in seconds, so
 * two genuine messages minted in the same second carry the same token, and Perculus does not retry; an
 * operator can replay such a delivery, or turn refusal off (PERCULUS_REFUSE_REPLAYED_TOKENS=false).
 */
@Injectable()
export class PerculusSignatureGuard implements CanActivate {
  private readonly logger = new Logger(PerculusSignatureGuard.name);
  private readonly secrets: readonly string[];
  private readonly scheme: TokenScheme;
  private readonly refuseReplayedTokens: boolean;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly seenTokens: PerculusSeenTokens,
    private readonly ingestion: IngestionService,
  ) {
    const perculus = config.providers.perculus;
    this.secrets = perculus.secrets;
    this.scheme = {
      algorithm: perculus.tokenAlgorithm,
      encoding: perculus.tokenEncoding,
      maxAgeSeconds: perculus.tokenMaxAgeSeconds,
      maxFutureSkewSeconds: perculus.tokenMaxFutureSkewSeconds,
    };
    this.refuseReplayedTokens = perculus.refuseReplayedTokens;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    refuseWhenDisabled(this.secrets, 'perculus');
    const receivedAt = new Date();
    const body = jsonObjectOf(rawBodyOf(req));
    if (body === null)
      throw unauthorized('signature-missing', 'The body is not a JSON object, so it carries no token.');
    const token = verifyPerculusToken(body.token, this.secrets, this.scheme, receivedAt.getTime());

    const requestId = perculusId(body.request_id);
    if (requestId === null) {
      throw unauthorized(
        'signature-malformed',
        'The body has no usable request_id; the token is bound to it, so it cannot be checked for replay.',
      );
    }
    const boundTo = await this.seenTokens.claim(
      token.replayKey,
      requestId,
      tokenExpiresAt(token.timestamp, this.scheme),
      receivedAt.getTime(),
    );
    const tokenIssuedAt = new Date(token.timestamp * 1000).toISOString();
    if (boundTo === requestId) {
      req.webhookContext = { tokenIssuedAt };
      return true;
    }
    if (!this.refuseReplayedTokens) {
      this.logger.warn({
        msg: 'token reused by another request_id; let through (PERCULUS_REFUSE_REPLAYED_TOKENS=false)',
        provider: 'perculus',
        requestId: req.requestId,
      });
      req.webhookContext = { tokenIssuedAt, tokenFirstUsedByRequestId: boundTo };
      return true;
    }
    const detail = 'This token was already used by another message (request_id) within its validity window.';
    const deliveryId = await this.storeRefusedReplay(req, receivedAt, tokenIssuedAt, detail, boundTo);
    throw new ProblemException(401, 'token-replayed', 'Unauthorized', detail, { deliveryId, stored: true });
  }

  /** Keeps the refused delivery in the inbox as `rejected`: not applied, but not lost either. */
  private async storeRefusedReplay(
    req: Request,
    receivedAt: Date,
    tokenIssuedAt: string,
    detail: string,
    boundTo: string,
  ): Promise<string> {
    const raw = rawDeliveryOf(req, 'perculus', PERCULUS_KEPT_HEADERS, receivedAt);
    const deliveryId = await this.ingestion.storeRefused(
      { ...raw, context: { tokenIssuedAt } },
      { status: 401, code: 'token-replayed', detail, tokenBoundToRequestId: boundTo },
    );
    req.provider = 'perculus';
    req.outcome = 'rejected';
    return deliveryId;
  }
}
