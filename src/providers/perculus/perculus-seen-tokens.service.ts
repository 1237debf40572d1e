import { Injectable, Logger } from '@nestjs/common';
import { Database } from 'src/database/database';

/**
 * One statement, so that any number of instances racing on the same token agree: the first insert wins
 * and every later one gets the winner's `request_id` back (a concurrent insert waits for the first to
 * commit, then takes the DO UPDATE branch). The update only stretches `expires_at` (a larger configured
 * window) and never changes the bound `request_id`.
 */
const CLAIM = `INSERT INTO perculus_seen_tokens AS t (token_hash, request_id, expires_at)
VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO UPDATE SET expires_at = GREATEST(t.expires_at, EXCLUDED.expires_at)
RETURNING request_id`;

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
   * Binds the token to `requestId` unless it is bound already; returns the `request_id` it is bound to.
   * A result other than `requestId` means the token is being replayed with another message.
   */
  async claim(replayKey: Buffer, requestId: string, expiresAt: Date, nowMs: number): Promise<string> {
    await this.purgeNowAndThen(nowMs);
    const { rows } = await this.db.query<{ request_id: string }>(CLAIM, [replayKey, requestId, expiresAt]);
    return rows[0].request_id;
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
