import type { Pool } from 'pg';

/**
 * The projection state of a provider as comparable plain data: everything except surrogate ids and
 * bookkeeping times, with links resolved to external ids. Two databases that saw the same events in any
 * order must give equal snapshots.
 */
export async function stateSnapshot(db: Pool, provider: string): Promise<Record<string, unknown[]>> {
  const common = `t.external_id, t.status, t.status_rank, t.started_at, t.ended_at, t.attributes, t.first_event_at, t.last_event_at, t.version`;
  const sessions = await db.query(
    `SELECT ${common}, t.kind, p.external_id AS parent FROM sessions t LEFT JOIN sessions p ON p.id = t.parent_id WHERE t.provider = $1 ORDER BY t.external_id`,
    [provider],
  );
  const recordings = await db.query(
    `SELECT ${common}, t.kind, t.duration_ms, t.size_bytes, t.url, t.url_expires_at, t.error, s.external_id AS session
     FROM recordings t LEFT JOIN sessions s ON s.id = t.session_id WHERE t.provider = $1 ORDER BY t.external_id`,
    [provider],
  );
  const measurements = await db.query(
    `SELECT ${common}, s.external_id AS session FROM measurements t LEFT JOIN sessions s ON s.id = t.session_id WHERE t.provider = $1 ORDER BY t.external_id`,
    [provider],
  );
  const samples = await db.query(
    `SELECT m.external_id, x.series, x.sequence, x.value FROM measurement_samples x JOIN measurements m ON m.id = x.measurement_id
     WHERE m.provider = $1 ORDER BY 1, 2, 3`,
    [provider],
  );
  const events = await db.query(
    `SELECT e.idempotency_key, e.type, e.known, e.severity, e.occurred_at, e.sequence, s.external_id AS session, m.external_id AS measurement, r.external_id AS recording
     FROM events e LEFT JOIN sessions s ON s.id = e.session_id LEFT JOIN measurements m ON m.id = e.measurement_id LEFT JOIN recordings r ON r.id = e.recording_id
     WHERE e.provider = $1 ORDER BY e.idempotency_key`,
    [provider],
  );
  return {
    sessions: sessions.rows,
    recordings: recordings.rows,
    measurements: measurements.rows,
    samples: samples.rows,
    events: events.rows,
  };
}

/** Deterministic shuffle (mulberry32), so a failing permutation can be reproduced from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
