import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { Answer } from './bench-load';

export interface Verification {
  ok2xx: number;
  /** 2xx answers whose delivery is not stored exactly once (and, for the service, projected): must be 0. */
  lost: number;
  problems: string[];
}

const CHUNK = 5_000;
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** What the answers of a run must be: each delivery stored by it (`new`), or all copies of stored ones. */
export type Expected = 'new' | 'copies';

interface StoredRow {
  id: string;
  body_md5: string | null;
  /** Service only: its status, whether its event exists and how many inbox rows point at that event. */
  status?: string;
  event_exists?: boolean;
  deliveries_of_event?: number;
}

const SERVICE_ROWS = `
SELECT d.id, md5(d.body) AS body_md5, d.status, e.id IS NOT NULL AS event_exists,
       (SELECT count(*)::int FROM deliveries x WHERE x.event_id = d.event_id) AS deliveries_of_event
  FROM deliveries d LEFT JOIN events e ON e.id = d.event_id
 WHERE d.id = ANY($1::bigint[])`;

const REFERENCE_ROWS = `SELECT id, md5(body) AS body_md5 FROM reference_inbox WHERE id = ANY($1::bigint[])`;

/**
 * Every 2xx answer names the inbox row of its delivery: the row exists with the exact bytes sent; on the
 * service it is projected (the caller waits for the backlog first), its event exists and has no other inbox
 * row. All answers for the same bytes name the same row, and different bytes different rows (two deliveries
 * folded into one would be one lost). Of the answers for one delivery exactly one says `accepted` when the
 * run was to store them (`new`; the other copies, e.g. raced to a second instance, say `duplicate`), none
 * when it re-sent stored ones (`copies`).
 */
export async function verifyAnswers(
  server: 'service' | 'reference',
  databaseUrl: string,
  answers: Answer[],
  expected: Expected = 'new',
): Promise<Verification> {
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < 20) problems.push(p);
  };
  const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
  let lost = 0;
  const byBody = new Map<string, Answer[]>();
  for (const a of ok) {
    if (a.deliveryId === undefined || (a.outcome !== 'accepted' && a.outcome !== 'duplicate')) {
      lost++;
      note(`a ${a.delivery.provider} delivery was answered ${a.status} "${a.outcome ?? a.detail}"`);
      continue;
    }
    const key = md5(a.delivery.body);
    byBody.set(key, [...(byBody.get(key) ?? []), a]);
  }
  const owner = new Map<string, string>();
  for (const [key, same] of byBody) {
    const ids = new Set(same.map((a) => a.deliveryId));
    const accepted = same.filter((a) => a.outcome === 'accepted').length;
    const want = expected === 'new' ? 1 : 0;
    if (ids.size !== 1 || accepted !== want) {
      lost++;
      note(
        `${same.length} answers for one ${same[0].delivery.provider} delivery named ${ids.size} rows, ${accepted} accepted (want ${want})`,
      );
    }
    const id = same[0].deliveryId!;
    if (owner.has(id)) {
      lost++;
      note(`two distinct ${same[0].delivery.provider} deliveries were answered with the same row ${id}`);
    }
    owner.set(id, key);
  }

  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const ids = [...owner.keys()];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const { rows } = await pool.query<StoredRow>(server === 'service' ? SERVICE_ROWS : REFERENCE_ROWS, [
        chunk,
      ]);
      const found = new Map(rows.map((r) => [String(r.id), r]));
      for (const id of chunk) {
        const row = found.get(id);
        const fail = (why: string) => {
          lost++;
          note(`delivery ${id} answered 2xx: ${why}`);
        };
        if (row === undefined) fail('no inbox row');
        else if (row.body_md5 !== owner.get(id)) fail('the stored body differs from the bytes sent');
        else if (server === 'service') {
          if (row.status !== 'projected') fail(`inbox row is ${row.status}`);
          else if (!row.event_exists) fail('its event is missing');
          else if (row.deliveries_of_event !== 1) fail(`its event has ${row.deliveries_of_event} inbox rows`);
        }
      }
    }
  } finally {
    await pool.end();
  }
  return { ok2xx: ok.length, lost, problems };
}

/**
 * Waits until the service has projected everything it acknowledged (no pending inbox row); returns when
 * that was (performance.now()). Bounded: throws after `timeoutMs`.
 */
export async function waitForBacklog(databaseUrl: string, timeoutMs = 180_000): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      const { rows } = await pool.query<{ pending: number }>(
        `SELECT count(*)::int AS pending FROM deliveries WHERE status = 'pending'`,
      );
      if (rows[0].pending === 0) return performance.now();
      if (performance.now() > deadline) throw new Error(`${rows[0].pending} deliveries still pending`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await pool.end();
  }
}

/** Projection lag of the given inbox rows: from receipt to projected, p50 and p99 in ms. */
export async function projectionLag(
  databaseUrl: string,
  ids: string[],
): Promise<{ p50: number; p99: number }> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ p50: number; p99: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99
         FROM (SELECT EXTRACT(EPOCH FROM processed_at - received_at) * 1000 AS lag
                 FROM deliveries WHERE id = ANY($1::bigint[])) x`,
      [ids],
    );
    return { p50: Number(rows[0].p50), p99: Number(rows[0].p99) };
  } finally {
    await pool.end();
  }
}
