import { createHash } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { ProblemException, unauthorized } from 'src/common/problem';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import type { WebhookPrecheck } from 'src/config/provider-registry';
import { atProviderRoute } from 'src/ingestion/webhook-intake';
import { IngestionService, rawDeliveryOf } from 'src/ingestion/ingestion.service';
import { MAX_JSON_DEPTH, nestsDeeperThan } from 'src/ingestion/json-depth';
import { rawBodyOf, refuseWhenDisabled } from 'src/ingestion/signature';
import { PerculusSeenTokens } from 'src/providers/perculus/perculus-seen-tokens.service';
import { tokenExpiresAt, TokenScheme, verifyPerculusToken } from 'src/providers/perculus/perculus-token';
import { perculusId } from 'src/providers/perculus/perculus-values';
import { PERCULUS_KEPT_HEADERS } from 'src/providers/perculus/perculus.service';

/** The body as a JSON object, parsed only once its nesting is known to be bounded; null when it is not one. */
function jsonObjectOf(body: Buffer): Record<string, unknown> | null {
  if (nestsDeeperThan(body)) return null;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** What can be refused before the body is read (see webhook-intake.ts): the token is in the body. */
export const perculusPrecheck = (config: AppConfig): WebhookPrecheck =>
  atProviderRoute(() => refuseWhenDisabled(config.providers.perculus.secrets, 'perculus'));

/**
 * Perculus authenticates in the body: `token = "<timestamp>|<hmac>"`. Refuses by default (no secret, no
 * JSON body, no token); then checks the token (perculus-token.ts) and binds it to the message's
 * `request_id` in the replay ledger (perculus-seen-tokens.service.ts).
 *
 * A token already bound to another `request_id`, or to the same one with another body, is refused with
 * 401 `token-replayed`, and that delivery is stored as rejected: never applied, but not lost either. An
 * exact re-send passes, and ingestion answers it as a duplicate. The token signs only a timestamp in seconds, so
 * two genuine messages minted in the same second carry the same token, and Perculus does not retry; an
 * operator can replay such a delivery, or turn refusal off (PERCULUS_REFUSE_REPLAYED_TOKENS=false); that
 * setting never lets through the same request_id with another body.
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
      throw unauthorized(
        'signature-missing',
        `The body is not a JSON object nested at most ${MAX_JSON_DEPTH} levels, so it carries no token.`,
      );
    const token = verifyPerculusToken(body.token, this.secrets, this.scheme, receivedAt.getTime());

    const requestId = perculusId(body.request_id);
    if (requestId === null) {
      throw unauthorized(
        'signature-malformed',
        'The body has no usable request_id; the token is bound to it, so it cannot be checked for replay.',
      );
    }
    const bodyHash = createHash('sha256').update(rawBodyOf(req)).digest();
    const bound = await this.seenTokens.claim(
      token.replayKey,
      { requestId, bodyHash },
      tokenExpiresAt(token.timestamp, this.scheme),
      receivedAt.getTime(),
    );
    const boundTo = bound.requestId;
    const tokenIssuedAt = new Date(token.timestamp * 1000).toISOString();
    if (boundTo === requestId) {
      if (bound.bodyHash === null || bound.bodyHash.equals(bodyHash)) {
        req.webhookContext = { tokenIssuedAt };
        return true;
      }
      // Never genuine: Perculus mints a token per message and sends each message once, so the same token
      // and request_id with other bytes is someone rewriting a captured (or rejected) message.
      const detail = 'This token was already used by this request_id with another body.';
      return this.refuseReplay(req, receivedAt, tokenIssuedAt, detail, boundTo);
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
    return this.refuseReplay(req, receivedAt, tokenIssuedAt, detail, boundTo);
  }

  /** Refuses with 401 `token-replayed`, keeping the delivery in the inbox as `rejected` (not lost). */
  private async refuseReplay(
    req: Request,
    receivedAt: Date,
    tokenIssuedAt: string,
    detail: string,
    boundTo: string,
  ): Promise<never> {
    const raw = rawDeliveryOf(req, 'perculus', PERCULUS_KEPT_HEADERS, receivedAt);
    const deliveryId = await this.ingestion.storeRefused(
      { ...raw, context: { tokenIssuedAt } },
      { status: 401, code: 'token-replayed', detail, tokenBoundToRequestId: boundTo },
    );
    req.provider = 'perculus';
    req.outcome = 'rejected';
    throw new ProblemException(401, 'token-replayed', 'Unauthorized', detail, { deliveryId, stored: true });
  }
}
