import { manyRowsStatement } from 'src/ingestion/group-commit';

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe('manyRowsStatement', () => {
  it('reads each parameter of the VALUES list from the JSON rows, cast to its type, in input order', () => {
    const form = manyRowsStatement(
      'INSERT INTO t (a, b, c) VALUES ($1, COALESCE($2, 0), $3) RETURNING id',
      ['a'],
      ['character varying', 'integer', 'timestamp with time zone'],
    );
    expect(squash(form!.text)).toBe(
      squash(`WITH hb_in AS (SELECT * FROM json_to_recordset($1::json) AS hb_in(o int, p1 text, p2 text, p3 text))
        INSERT INTO t (a, b, c)
        SELECT hb_in.p1::character varying, COALESCE(hb_in.p2::integer, 0), hb_in.p3::timestamp with time zone
        FROM hb_in ORDER BY hb_in.o RETURNING id, a`),
    );
    expect(form).toMatchObject({ keyParams: [1], keyColumns: ['a'] });
  });

  it('looks up a parameter used in DO UPDATE SET by the key of the conflicting row', () => {
    const form = manyRowsStatement(
      `INSERT INTO s AS t (provider, external_id, kind) VALUES ($1, $2, COALESCE($3, 'session'))
       ON CONFLICT ON CONSTRAINT uq DO UPDATE SET kind = COALESCE($3::varchar, t.kind) RETURNING id`,
      ['provider', 'external_id'],
      ['character varying', 'character varying', 'text'],
    );
    expect(squash(form!.text)).toContain(
      squash(`DO UPDATE SET kind = COALESCE((SELECT hb_row.p3::text FROM hb_in hb_row
        WHERE hb_row.p1::character varying = EXCLUDED.provider AND hb_row.p2::character varying = EXCLUDED.external_id)::varchar, t.kind)
        RETURNING id, provider, external_id`),
    );
  });

  it('decodes bytea parameters from base64 and adds a RETURNING for the key when there is none', () => {
    const form = manyRowsStatement(
      'INSERT INTO d (body, event_id) VALUES ($1, $2)',
      ['event_id'],
      ['bytea', 'bigint'],
    );
    expect(squash(form!.text)).toContain(
      "SELECT decode(hb_in.p1, 'base64'), hb_in.p2::bigint FROM hb_in ORDER BY hb_in.o RETURNING event_id",
    );
  });

  it('names the statement after its text, so that every connection prepares it once', () => {
    const a = manyRowsStatement('INSERT INTO t (a) VALUES ($1)', [], ['integer']);
    const b = manyRowsStatement('INSERT INTO t (a) VALUES ($1)', [], ['integer']);
    const c = manyRowsStatement('INSERT INTO u (a) VALUES ($1)', [], ['integer']);
    expect(a!.name).toBe(b!.name);
    expect(a!.name).not.toBe(c!.name);
    expect(a!.name).toMatch(/^hooktrail_many_[0-9a-f]{16}$/);
  });

  it.each([
    ['not an INSERT ... VALUES', 'UPDATE t SET a = $1 WHERE id = $2', ['a'], ['integer', 'bigint']],
    [
      'a key column not filled by a plain parameter',
      'INSERT INTO t (a, b) VALUES (lower($1), $2)',
      ['a'],
      ['text', 'text'],
    ],
    [
      'a parameter after VALUES with no key to find its row',
      'INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET a = $1',
      [],
      ['text'],
    ],
    ['columns and values that do not pair up', 'INSERT INTO t (a, b) VALUES ($1)', [], ['text']],
  ])('has no multi-row form for %s', (_name, sql, keys, types) => {
    expect(manyRowsStatement(sql, keys, types)).toBeNull();
  });
});
