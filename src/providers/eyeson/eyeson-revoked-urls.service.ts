import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Database } from 'src/database/database';

const IS_REVOKED =
  'SELECT EXISTS (SELECT 1 FROM eyeson_revoked_callback_urls WHERE token_hash = $1) AS revoked';

const REVOKE = `INSERT INTO eyeson_revoked_callback_urls (token_hash, reference, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO NOTHING`;

/** Rows of URLs that have expired anyway refuse nothing more; deleted whenever a URL is revoked. */
const PURGE_EXPIRED = 'DELETE FROM eyeson_revoked_callback_urls WHERE expires_at < now()';

const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest();

/** The denylist of single revoked callback URLs (table `eyeson_revoked_callback_urls`). */
@Injectable()
export class EyesonRevokedUrls {
  constructor(private readonly db: Database) {}

  async isRevoked(token: string): Promise<boolean> {
    const { rows } = await this.db.query<{ revoked: boolean }>(IS_REVOKED, [tokenHash(token)]);
    return rows[0].revoked;
  }

  /** Revokes one verified token; revoking it again changes nothing. */
  async revoke(token: string, reference: string, expiresAt: Date | null): Promise<void> {
    await this.db.query(PURGE_EXPIRED);
    await this.db.query(REVOKE, [tokenHash(token), reference, expiresAt]);
  }
}
