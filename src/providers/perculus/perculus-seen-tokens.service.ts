import { Injectable, Logger } from '@nestjs/common';
import { Database } from 'src/database/database';

/**
 * One statement, so that any number of instances racing on the same token agree: the first insert wins
 * and every later one gets the winner's `request_id` back (a concurrent insert waits for the first to
 * commit, then takes the DO UPDATE branch). The update only stretches `expires_at` (a larger configured
 * window) and never changes the bound `request_id` or body hash (a row from before body hashes existed
 * takes the hash of its own `request_id`'s next delivery).
 */
const CLAIM = `INSERT INTO perculus_seen_tokens AS t (token_hash, request_id, body_hash, expires_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (token_hash) DO UPDATE SET
  expires_at = GREATEST(t.expires_at, EXCLUDED.expires_at),
  body_hash = CASE WHEN t.request_id = EXCLUDED.request_id THEN COALESCE(t.body_hash, EXCLUDED.body_hash) ELSE t.body_hash END
RETURNING request_id, body_hash`;

/** The message a token is bound to: its `request_id`, and its body's SHA-256 (null on a pre-hash row). */
export interface TokenBinding {
  requestId: string;
  bodyHash: Buffer | null;
}

/** Bounded, so that a backlog is cleared over several calls rather than in one long statement. */
const PURGE = `
DELETE FROM perculus_seen_tokens WHERE token_hash IN (
  SELECT token_hash FROM perculus_seen_tokens WHERE expires_at < $1 LIMIT 1000
)`;

/** How often one instance purges expired rows (opportunistically, on a delivery). */
const PURGE_INTERVAL_MS = 60_000;
/**
 * Rows are kept this long past their expiry, so that an instance whose clock is behind this one's still
 * finds a token it would accept as fresh.
 */
const PURGE_GRACE_MS = 5 * 60_000;

/** The replay ledger of Perculus tokens (table `perculus_seen_tokens`). */
@Injectable()
export class PerculusSeenTokens {
  private readonly logger = new Logger(PerculusSeenTokens.name);
  private nextPurgeAt = 0;

  constructor(private readonly db: Database) {}

  /**
   * Binds the token to `requestId` and `bodyHash` unless it is bound already; returns what it is bound to.
   * Anything other than the given pair means the token is being replayed with another message.
   */
  async claim(
    replayKey: Buffer,
    binding: TokenBinding,
    expiresAt: Date,
    nowMs: number,
  ): Promise<TokenBinding> {
    await this.purgeNowAndThen(nowMs);
    const { rows } = await this.db.query<{ request_id: string; body_hash: Buffer | null }>(CLAIM, [
      replayKey,
      binding.requestId,
      binding.bodyHash,
      expiresAt,
    ]);
    return { requestId: rows[0].request_id, bodyHash: rows[0].body_hash };
  }

  /** Deletes rows whose tokens have expired, at most once a minute per instance; never fails a delivery. */
  private async purgeNowAndThen(nowMs: number): Promise<void> {
    if (nowMs < this.nextPurgeAt) return;
    this.nextPurgeAt = nowMs + PURGE_INTERVAL_MS;
    try {
      await this.db.query(PURGE, [new Date(nowMs - PURGE_GRACE_MS)]);
    } catch (err) {
      this.logger.warn(`purging expired Perculus tokens failed: ${(err as Error).message}`);
    }
  }
}
