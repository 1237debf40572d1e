import 'src/providers/providers';
import { parseReplayArgs, ReplayUsageError } from 'src/replay/replay-args';

describe('parseReplayArgs', () => {
  it('reads the documented command line', () => {
    expect(
      parseReplayArgs(['--provider', 'wms', '--status', 'rejected', '--since', '2024-05-01T00:00:00Z']),
    ).toEqual({
      provider: 'wms',
      statuses: ['rejected'],
      since: new Date('2024-05-01T00:00:00Z'),
      dryRun: false,
    });
  });

  it('reads --name=value, a window, a limit and --dry-run; status defaults to rejected and failed', () => {
    expect(
      parseReplayArgs([
        '--provider=millicast',
        '--since=2024-05-01',
        '--until',
        '2024-05-02T12:30:00+02:00',
        '--limit',
        '50',
        '--dry-run',
      ]),
    ).toEqual({
      provider: 'millicast',
      statuses: ['rejected', 'failed'],
      since: new Date('2024-05-01T00:00:00Z'),
      until: new Date('2024-05-02T10:30:00Z'),
      limit: 50,
      dryRun: true,
    });
  });

  it.each([
    [[], '--provider is required'],
    [['--provider', 'wms'], '--since is required (e.g. --since 2024-05-01)'],
    [['--provider', 'zoom', '--since', '2024-05-01'], '--provider must be one of'],
    [['--provider', 'wms', '--since', 'yesterday'], '--since must be an ISO 8601 date'],
    [['--provider', 'wms', '--since', '2024-05-01T10:00:00'], '--since must be an ISO 8601 date'],
    [['--provider', 'wms', '--since', '2024-13-01'], '--since must be an ISO 8601 date'],
    [
      ['--provider', 'wms', '--since', '2024-05-02', '--until', '2024-05-01'],
      '--until must be after --since',
    ],
    [
      ['--provider', 'wms', '--since', '2024-05-01', '--status', 'accepted'],
      '--status must be rejected, failed',
    ],
    [['--provider', 'wms', '--since', '2024-05-01', '--limit', '0'], '--limit must be a whole number'],
    [['--provider', 'wms', '--since', '2024-05-01', '--limit', '1e3'], '--limit must be a whole number'],
    [['--provider', 'wms', '--provider', 'wms', '--since', '2024-05-01'], '--provider is given twice'],
    [['--provider'], "Option '--provider <value>' argument missing"],
    [['--provider=', '--since', '2024-05-01'], '--provider needs a value'],
    [['--provider', 'wms', '--since', '2024-05-01', '--force'], "Unknown option '--force'"],
    [['--provider', 'wms', '--since', '2024-05-01', 'extra'], "Unexpected argument 'extra'"],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseReplayArgs(argv)).toThrow(ReplayUsageError);
    expect(() => parseReplayArgs(argv)).toThrow(message);
  });
});
