import { ConfigErrors, Env, readBool, readInt } from 'src/config/env-readers';

export interface ProjectorConfig {
  /** Most inbox rows one projection transaction takes. */
  batchSize: number;
  /** How often an idle projector looks for pending rows (the fallback when no notification arrives). */
  pollMs: number;
  /**
   * LISTEN for other instances' inserts on a connection of its own. Off behind a pooler in transaction
   * mode, which cannot hold a LISTEN: the poll then wakes the projector (its own inserts always do).
   */
  listen: boolean;
  /**
   * Least time between the starts of two projection batches that are not full: deliveries gather meanwhile,
   * so there are fewer, larger projection transactions (each costs about the same however small) for a few
   * milliseconds of lag. A full batch is followed at once.
   */
  gatherMs: number;
}

export function parseProjectorConfig(env: Env, errors: ConfigErrors): ProjectorConfig {
  return {
    batchSize: readInt(env, 'PROJECTOR_BATCH_SIZE', errors, 500, { min: 1, max: 10_000 }),
    pollMs: readInt(env, 'PROJECTOR_POLL_MS', errors, 500, { min: 10, max: 60_000 }),
    listen: readBool(env, 'PROJECTOR_LISTEN', errors, true),
    gatherMs: readInt(env, 'PROJECTOR_GATHER_MS', errors, 50, { min: 0, max: 1_000 }),
  };
}
