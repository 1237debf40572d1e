import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { ADVISORY_LOCK } from 'src/database/advisory-lock';
import { Database } from 'src/database/database';
import type { RetentionConfig } from 'src/retention/retention.config';

/** Rows touched per transaction: short transactions, no long row locks against live traffic. */
const BATCH = 1_000;
const DAY_MS = 24 * 3_600_000;

// Oldest first; SKIP LOCKED so a purge never waits for (or blocks) a delivery being written. A pending
// delivery keeps its body until it is projected (the projector reads it).
const PURGE_BODIES = `
UPDATE deliveries SET body = NULL, body_purged_at = now()
WHERE id IN (
  SELECT id FROM deliveries WHERE body IS NOT NULL AND received_at < $1 AND status <> 'pending'
  ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED
)`;

const DELETE_THUMBNAILS = `
DELETE FROM millicast_thumbnails
WHERE id IN (SELECT id FROM millicast_thumbnails WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`;

export interface RetentionRun {
  /** False when another instance held the retention lock, so this one did nothing. */
  ran: boolean;
  bodiesPurged: number;
  thumbnailsDeleted: number;
}

/**
 * Purges what the retention settings say is old: raw inbox bodies (the delivery row stays, with
 * `body_purged_at`) and Millicast thumbnail images. Never touches timeline events or state. Runs on a
 * timer in every instance; a Postgres advisory lock makes the instances take turns, so one purges at a time.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private readonly config: RetentionConfig;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: Database,
  ) {
    this.config = config.retention;
  }

  /** True when something is to be purged at all (the default keeps everything). */
  get enabled(): boolean {
    return this.config.inboxBodyDays > 0 || this.config.thumbnailDays > 0;
  }

  onModuleInit(): void {
    if (!this.enabled || this.config.intervalSeconds === 0) return;
    // The first run waits a little (at most a minute): at boot, migrations run after the modules start.
    this.schedule(Math.min(this.config.intervalSeconds, 60) * 1000);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((run) => {
          if (run.bodiesPurged + run.thumbnailsDeleted > 0)
            this.logger.log({ msg: 'retention purged', ...run });
        })
        .catch((err: unknown) => this.logger.warn(`retention run failed: ${(err as Error).message}`))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(this.config.intervalSeconds * 1000);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One purge, in batches, unless another instance is purging right now. */
  async runOnce(now: Date = new Date()): Promise<RetentionRun> {
    const run: RetentionRun = { ran: false, bodiesPurged: 0, thumbnailsDeleted: 0 };
    const bodiesBefore =
      this.config.inboxBodyDays > 0 ? new Date(now.getTime() - this.config.inboxBodyDays * DAY_MS) : null;
    const thumbnailsBefore =
      this.config.thumbnailDays > 0 ? new Date(now.getTime() - this.config.thumbnailDays * DAY_MS) : null;
    for (;;) {
      const batch = await this.db.transaction(async (client) => {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [ADVISORY_LOCK.retention],
        );
        if (!rows[0].locked) return null;
        const bodies = bodiesBefore
          ? ((await client.query(PURGE_BODIES, [bodiesBefore, BATCH])).rowCount ?? 0)
          : 0;
        const thumbnails = thumbnailsBefore
          ? ((await client.query(DELETE_THUMBNAILS, [thumbnailsBefore, BATCH])).rowCount ?? 0)
          : 0;
        return { bodies, thumbnails };
      });
      if (batch === null) return run; // another instance holds the lock (it will finish the job)
      run.ran = true;
      run.bodiesPurged += batch.bodies;
      run.thumbnailsDeleted += batch.thumbnails;
      if (batch.bodies < BATCH && batch.thumbnails < BATCH) return run;
    }
  }
}
