import { parsePerculusDate, perculusId } from 'src/providers/perculus/perculus-values';

describe('Perculus values', () => {
  it.each<[string, unknown, string | null]>([
    ['ISO 8601 in UTC', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['ISO 8601 with milliseconds', '2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123Z'],
    ['ISO 8601 with 7 fraction digits (.NET)', '2024-05-01T12:00:00.1234567Z', '2024-05-01T12:00:00.123Z'],
    ['ISO 8601 with an offset', '2024-05-01T15:00:00+03:00', '2024-05-01T12:00:00.000Z'],
    ['ISO 8601 with a compact negative offset', '2024-05-01T07:30:00-0430', '2024-05-01T12:00:00.000Z'],
    ['ISO 8601 without a zone, read as UTC', '2024-05-01T12:00:00', '2024-05-01T12:00:00.000Z'],
    ['a space instead of T', '2024-05-01 12:00:00', '2024-05-01T12:00:00.000Z'],
    ['minutes only', '2024-05-01T12:00Z', '2024-05-01T12:00:00.000Z'],
    ['Unix seconds as a number', 1714564800, '2024-05-01T12:00:00.000Z'],
    ['Unix seconds with a fraction', 1714564800.5, '2024-05-01T12:00:00.500Z'],
    ['Unix milliseconds as a number', 1714564800123, '2024-05-01T12:00:00.123Z'],
    ['Unix seconds as a string', '1714564800', '2024-05-01T12:00:00.000Z'],
    ['Unix milliseconds as a string', '1714564800123', '2024-05-01T12:00:00.123Z'],
    ['an ASP.NET JSON date', '/Date(1714564800123)/', '2024-05-01T12:00:00.123Z'],
    ['an ASP.NET JSON date with an offset', '/Date(1714564800123+0300)/', '2024-05-01T12:00:00.123Z'],
    ['31 February', '2024-02-31T12:00:00Z', null],
    ['hour 24', '2024-05-01T24:00:00Z', null],
    ['a culture-specific date', '01.05.2024 12:00:00', null],
    ['words', 'yesterday', null],
    ['an empty string', '', null],
    ['a negative number', -1, null],
    ['a number too large for a timestamp', 1e15, null],
    ['a boolean', true, null],
    ['null', null, null],
  ])('parses a date given as %s', (_name, value, expected) => {
    expect(parsePerculusDate(value)?.toISOString() ?? null).toBe(expected);
  });

  it.each<[string, unknown, string | null]>([
    ['a string', 'abc-123', 'abc-123'],
    ['a GUID', '0f8fad5b-d9cb-469f-a165-70867728950e', '0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['an integer', 42, '42'],
    ['an empty string', '', null],
    ['blanks', '   ', null],
    ['a string of 256 characters', 'x'.repeat(256), null],
    ['a negative integer', -1, null],
    ['a fraction', 1.5, null],
    ['an object', { id: 1 }, null],
    ['null', null, null],
  ])('reads an id given as %s', (_name, value, expected) => {
    expect(perculusId(value)).toBe(expected);
  });
});
