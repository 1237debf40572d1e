import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from 'src/config/app-config';
import { registeredProviders } from 'src/config/provider-registry';
import { ADVISORY_LOCK } from 'src/database/advisory-lock';
import { Database } from 'src/database/database';
import type { RetentionConfig } from 'src/retention/retention.config';

/** Rows touched per transaction: short transactions, no long row locks against live traffic. */
const BATCH = 1_000;
const DAY_MS = 24 * 3_600_000;

// Oldest first; SKIP LOCKED so a purge never waits for (or blocks) a delivery being written. A pending
// delivery keeps its body until it is projected (the projector reads it). NO KEY UPDATE, the lock the update
// takes anyway: a re-sent copy counted on one of these rows (a foreign-key check) does not wait for the purge.
const PURGE_BODIES = `
UPDATE deliveries SET body = NULL, body_purged_at = now()
WHERE id IN (
  SELECT id FROM deliveries WHERE body IS NOT NULL AND received_at < $1 AND status <> 'pending'
  ORDER BY received_at LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED
)`;

export interface RetentionRun {
  /** False when another instance held the retention lock, so this one did nothing. */
  ran: boolean;
  bodiesPurged: number;
  /** Rows deleted per provider retention (`<provider>.<what>`), for those that are on. */
  deleted: Record<string, number>;
}

interface ActiveRetention {
  key: string;
  statement: string;
  days: number;
}

/**
 * Purges what the retention settings say is old: raw inbox bodies (the delivery row stays, with
 * `body_purged_at`) and the rows registered providers hand to retention (their `retention`, e.g. images).
 * Never touches timeline events or state. Runs on a
 * timer in every instance; a Postgres advisory lock makes the instances take turns, so one purges at a time.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private readonly config: RetentionConfig;
  private readonly providerRetentions: ActiveRetention[];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: Database,
  ) {
    this.config = config.retention;
    this.providerRetentions = registeredProviders().flatMap((provider) => {
      const retention = provider.retention;
      if (retention === undefined) return [];
      const days = retention.days(config.providers);
      return days > 0
        ? [{ key: `${provider.name}.${retention.what}`, statement: retention.deleteOlderThan, days }]
        : [];
    });
  }

  /** True when something is to be purged at all (the default keeps everything). */
  get enabled(): boolean {
    return this.config.inboxBodyDays > 0 || this.providerRetentions.length > 0;
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
          if (run.bodiesPurged + Object.values(run.deleted).reduce((a, b) => a + b, 0) > 0)
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
    const run: RetentionRun = { ran: false, bodiesPurged: 0, deleted: {} };
    const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const bodiesBefore = this.config.inboxBodyDays > 0 ? before(this.config.inboxBodyDays) : null;
    for (const r of this.providerRetentions) run.deleted[r.key] = 0;
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
        const deleted: number[] = [];
        for (const r of this.providerRetentions)
          deleted.push((await client.query(r.statement, [before(r.days), BATCH])).rowCount ?? 0);
        return { bodies, deleted };
      });
      if (batch === null) return { ...run, deleted: {} }; // another instance holds the lock (it will finish the job)
      run.ran = true;
      run.bodiesPurged += batch.bodies;
      this.providerRetentions.forEach((r, i) => (run.deleted[r.key] += batch.deleted[i]));
      if (batch.bodies < BATCH && batch.deleted.every((n) => n < BATCH)) return run;
    }
  }
}
