import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Callback URLs revoked one by one (revoking every URL at once is rotating the secret). Checked on every
 * Eyeson delivery; a row can go once its URL has expired anyway.
 */
@Entity('eyeson_revoked_callback_urls')
export class EyesonRevokedUrlEntity {
  /** SHA-256 of the URL's token (canonical, so one token has one hash), never the token itself. */
  @PrimaryColumn({
    name: 'token_hash',
    type: 'bytea',
    primaryKeyConstraintName: 'pk_eyeson_revoked_callback_urls',
  })
  tokenHash: Buffer;

  /** The reference the URL was bound to, for whoever reads the table. */
  @Column({ type: 'varchar', length: 128 })
  reference: string;

  /** When the URL expires anyway; null for a URL minted before URLs expired. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', default: () => 'now()' })
  revokedAt: Date;
}
