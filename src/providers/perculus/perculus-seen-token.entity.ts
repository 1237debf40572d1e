import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The replay ledger: which message (`request_id`) each Perculus token was first seen with. The token signs
 * only its timestamp, so inside its validity window a captured token would authenticate any body; the
 * ledger binds it to its first message (its `request_id` and its exact body). Rows are needed only until `expires_at` (the token is refused as
 * expired after that) and are purged afterwards.
 */
@Entity('perculus_seen_tokens')
@Index('ix_perculus_seen_tokens_expires_at', ['expiresAt'])
export class PerculusSeenTokenEntity {
  /** SHA-256 of the canonical token (timestamp and decoded MAC bytes), never the token itself. */
  @PrimaryColumn({ name: 'token_hash', type: 'bytea', primaryKeyConstraintName: 'pk_perculus_seen_tokens' })
  tokenHash: Buffer;

  /** The message the token belongs to. */
  @Column({ name: 'request_id', type: 'varchar', length: 255 })
  requestId: string;

  /**
   * SHA-256 of the raw body first seen with the token: the same token and `request_id` with another body is
   * a forgery, while an exact re-send matches. Null only on rows written before the column existed.
   */
  @Column({ name: 'body_hash', type: 'bytea', nullable: true })
  bodyHash: Buffer | null;

  /** When the token stops passing the age check: the row can be deleted after this. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;
}
