import 'src/providers/providers';
import { getMetadataStorage } from 'class-validator';
import { ProblemException, RequestIssue } from 'src/common/problem';
import { RequestValidationPipe } from 'src/common/validation.pipe';
import { DeliveryListQueryDto, DeliveryPathDto } from 'src/query/deliveries/deliveries.dto';
import { EventFeedQueryDto, EventStreamQueryDto, TimelineQueryDto } from 'src/query/events/events.dto';
import { MeasurementListQueryDto } from 'src/query/measurements/measurements.dto';
import { ResourcePathDto } from 'src/query/query-params';
import { ReplayRequestDto } from 'src/replay/replay-request.dto';
import { RecordingListQueryDto } from 'src/query/recordings/recordings.dto';
import { SessionListQueryDto } from 'src/query/sessions/sessions.dto';

const QUERY_DTOS = [
  SessionListQueryDto,
  RecordingListQueryDto,
  MeasurementListQueryDto,
  EventFeedQueryDto,
  EventStreamQueryDto,
  TimelineQueryDto,
  DeliveryListQueryDto,
];
const PATH_DTOS = [ResourcePathDto, DeliveryPathDto];

const pipe = new RequestValidationPipe();

/** The issues a query (or path) gets: [] when it is valid. */
async function issuesFor(
  dto: new () => object,
  value: Record<string, unknown>,
  type: 'query' | 'param' = 'query',
): Promise<RequestIssue[]> {
  try {
    await pipe.transform(value, { type, metatype: dto });
    return [];
  } catch (err) {
    if (!(err instanceof ProblemException)) throw err;
    expect(err.getStatus()).toBe(400);
    return err.extensions.errors as RequestIssue[];
  }
}

/** The parameters a DTO validates, as class-validator knows them. */
const parametersOf = (dto: new () => object): string[] => [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(dto, '', true, false)
      .map((m) => m.propertyName),
  ),
];

/** A value no parameter accepts: too long for every text, not a number, a timestamp, a provider or a status. */
const BAD = 'x'.repeat(600);

describe.each(QUERY_DTOS.map((dto) => [dto.name, dto] as const))('%s', (_name, dto) => {
  const parameters = parametersOf(dto);

  it('has parameters to check', () => {
    expect(parameters.length).toBeGreaterThan(0);
  });

  it.each(parameters)('answers one message that names %s for a bad value', async (parameter) => {
    const issues = await issuesFor(dto, { [parameter]: BAD });
    expect(issues).toEqual([
      { path: parameter, message: expect.stringMatching(new RegExp(`^${parameter} `)) },
    ]);
  });

  it.each(parameters)('answers "%s is given more than once" when it is repeated', async (parameter) => {
    const issues = await issuesFor(dto, { [parameter]: ['1', '2'] });
    expect(issues).toEqual([{ path: parameter, message: `${parameter} is given more than once` }]);
  });

  it('answers every bad parameter at once, one message each', async () => {
    const issues = await issuesFor(dto, {
      ...Object.fromEntries(parameters.map((p) => [p, BAD])),
      nope: '1',
    });
    expect(issues.map((i) => i.path).sort()).toEqual([...parameters, 'nope'].sort());
  });
});

describe.each(PATH_DTOS.map((dto) => [dto.name, dto] as const))('%s', (_name, dto) => {
  it.each(parametersOf(dto))('answers one message that names %s for a bad value', async (parameter) => {
    const issues = await issuesFor(dto, { ...valid(dto), [parameter]: BAD }, 'param');
    expect(issues).toEqual([
      { path: parameter, message: expect.stringMatching(new RegExp(`^${parameter} `)) },
    ]);
  });
});

function valid(dto: new () => object): Record<string, string> {
  return dto === DeliveryPathDto ? { id: '1' } : { provider: 'wms', externalId: 'a' };
}

describe('messages', () => {
  it.each([
    ['limit=abc', { limit: 'abc' }, 'limit must be an integer between 1 and 500'],
    ['limit=', { limit: '' }, 'limit must be an integer between 1 and 500'],
    ['limit=0', { limit: '0' }, 'limit must be an integer between 1 and 500'],
    ['limit=501', { limit: '501' }, 'limit must be an integer between 1 and 500'],
    ['limit=1.5', { limit: '1.5' }, 'limit must be an integer between 1 and 500'],
    ['cursor=', { cursor: '' }, 'cursor must be text of 1 to 512 characters'],
    ['status of 33 characters', { status: 's'.repeat(33) }, 'status must be text of 1 to 32 characters'],
    ['an unknown parameter', { session: 'abc' }, 'session is not a known parameter'],
    ['an unknown parameter, repeated', { session: ['a', 'b'] }, 'session is not a known parameter'],
  ])('%s: %s', async (_name, query, message) => {
    const issues = await issuesFor(SessionListQueryDto, query);
    expect(issues).toEqual([{ path: Object.keys(query)[0], message }]);
  });

  it('answers a repeated parameter and a bad one each with its own message, in the order given', async () => {
    const issues = await issuesFor(SessionListQueryDto, { limit: ['5', '6'], updatedSince: 'yesterday' });
    expect(issues).toEqual([
      { path: 'limit', message: 'limit is given more than once' },
      { path: 'updatedSince', message: expect.stringMatching(/^updatedSince must be an ISO 8601 timestamp/) },
    ]);
  });

  it('passes a valid query through, converted', async () => {
    const query = await pipe.transform(
      { limit: '5', provider: 'wms' },
      { type: 'query', metatype: SessionListQueryDto },
    );
    expect(query).toBeInstanceOf(SessionListQueryDto);
    expect(query).toMatchObject({ limit: 5, provider: 'wms' });
    expect(await pipe.transform({}, { type: 'query', metatype: SessionListQueryDto })).toMatchObject({
      limit: 50,
    });
  });

  it('answers a body field with the one message of its rule', async () => {
    const body = { provider: 'wms', limit: 'abc' };
    await expect(pipe.transform(body, { type: 'body', metatype: ReplayRequestDto })).rejects.toMatchObject({
      extensions: { errors: [{ path: 'limit', message: 'limit must be an integer between 1 and 1000' }] },
    });
  });

  it('says "field" for a body', async () => {
    const body = { deliveryId: '1', extra: 1 };
    await expect(pipe.transform(body, { type: 'body', metatype: ReplayRequestDto })).rejects.toMatchObject({
      extensions: { errors: [{ path: 'extra', message: 'extra is not a known field' }] },
    });
  });
});
