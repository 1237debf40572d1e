import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { Answer } from './bench-load';

export interface Verification {
  ok2xx: number;
  /** 2xx answers whose delivery is not stored exactly once with its own event: must be 0. */
  lost: number;
  problems: string[];
}

const CHUNK = 5_000;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/**
 * Every 2xx answer must be a new event (the bench never sends the same delivery twice), stored exactly once:
 * its inbox row exists, is `accepted`, holds the exact bytes sent and points at the event the answer named;
 * that event exists, has exactly one inbox row, and no other 2xx answer named it (two unique deliveries
 * folded into one event would be one lost). Events are then counted per idempotency key.
 */
export async function verifyAnswers(databaseUrl: string, answers: Answer[]): Promise<Verification> {
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < 20) problems.push(p);
  };
  const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
  let lost = 0;
  const byEvent = new Map<string, Answer[]>();
  const checkable: Answer[] = [];
  for (const a of ok) {
    if (a.outcome !== 'accepted' || a.deliveryId === undefined || a.eventId === undefined) {
      lost++;
      note(
        `a unique ${a.delivery.provider} delivery was answered ${a.status} "${a.outcome ?? a.detail}", not as a new event`,
      );
      continue;
    }
    checkable.push(a);
    const same = byEvent.get(a.eventId) ?? [];
    same.push(a);
    byEvent.set(a.eventId, same);
  }
  for (const [eventId, same] of byEvent) {
    if (same.length > 1) {
      lost += same.length - 1;
      note(
        `${same.length} distinct ${same[0].delivery.provider} deliveries were answered with the same event ${eventId}`,
      );
    }
  }

  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    for (let i = 0; i < checkable.length; i += CHUNK) {
      const chunk = checkable.slice(i, i + CHUNK);
      const { rows } = await pool.query<{
        id: string;
        status: string;
        event_id: string | null;
        body_md5: string | null;
        event_exists: boolean;
        deliveries_of_event: number;
        key: string | null;
      }>(
        `SELECT d.id, d.status, d.event_id, md5(d.body) AS body_md5, e.id IS NOT NULL AS event_exists,
                (SELECT count(*)::int FROM deliveries x WHERE x.event_id = d.event_id) AS deliveries_of_event,
                e.idempotency_key AS key
           FROM deliveries d LEFT JOIN events e ON e.id = d.event_id
          WHERE d.id = ANY($1::bigint[])`,
        [chunk.map((a) => a.deliveryId)],
      );
      const found = new Map(rows.map((r) => [String(r.id), r]));
      for (const a of chunk) {
        const row = found.get(a.deliveryId!);
        const fail = (why: string) => {
          lost++;
          note(`${a.delivery.provider} delivery ${a.deliveryId} answered 2xx: ${why}`);
        };
        if (row === undefined) fail('no inbox row');
        else if (row.status !== 'accepted') fail(`inbox row is ${row.status}`);
        else if (String(row.event_id) !== a.eventId)
          fail(`inbox row points at event ${row.event_id}, answer said ${a.eventId}`);
        else if (!row.event_exists) fail('its event is missing');
        else if (row.deliveries_of_event !== 1) fail(`its event has ${row.deliveries_of_event} inbox rows`);
        else if (row.body_md5 !== md5(a.delivery.body)) fail('the stored body differs from the bytes sent');
      }
    }
    // Count events by the idempotency keys of the answered deliveries: exactly one event per key.
    const eventIds = [...byEvent.keys()];
    for (let i = 0; i < eventIds.length; i += CHUNK) {
      const { rows } = await pool.query<{ provider: string; idempotency_key: string; n: number }>(
        `SELECT provider, idempotency_key, count(*)::int AS n FROM events
          WHERE (provider, idempotency_key) IN (SELECT provider, idempotency_key FROM events WHERE id = ANY($1::bigint[]))
          GROUP BY 1, 2 HAVING count(*) <> 1`,
        [eventIds.slice(i, i + CHUNK)],
      );
      for (const r of rows) {
        lost++;
        note(`${r.provider} key ${r.idempotency_key} has ${r.n} events`);
      }
    }
  } finally {
    await pool.end();
  }
  return { ok2xx: ok.length, lost, problems };
}
