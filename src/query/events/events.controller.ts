import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiProblems } from 'src/common/problem.dto';
import { EventStreamService } from 'src/query/events/event-stream.service';
import { EventFeedPageDto, EventFeedQueryDto, EventStreamQueryDto } from 'src/query/events/events.dto';
import { EventsService } from 'src/query/events/events.service';

@ApiTags('events')
@ApiBearerAuth('api-key')
@Controller('api/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly eventStream: EventStreamService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Feed of events across sessions, for pollers',
    description:
      'Events in the order of the transactions that stored them (tx id, then id). An event shows up only once every ' +
      'older transaction has finished, so polling with `nextCursor` never skips one that committed late. ' +
      'Poll again with the returned `nextCursor`; fewer items than `limit` means you are caught up. ' +
      'A long transaction anywhere on the database server delays the feed (never loses events).',
  })
  @ApiOkResponse({ type: EventFeedPageDto })
  @ApiProblems(400, 401)
  feed(@Query() query: EventFeedQueryDto): Promise<EventFeedPageDto> {
    return this.events.feed(query);
  }

  @Get('stream')
  @ApiOperation({
    summary: 'The events feed, live, as Server-Sent Events',
    description:
      'The same events, order, guarantees and filters as `GET /api/events`, pushed as they commit. Each message ' +
      'is `event: event`, `id: <cursor>`, `data: <Event as JSON>`. Reconnect with `Last-Event-ID` (or `cursor`) ' +
      'to continue after the last event received, nothing skipped; without either the stream starts at the ' +
      "feed's beginning (narrow it with `since`). A `: heartbeat` comment is sent when idle " +
      '(EVENTS_STREAM_HEARTBEAT_SECONDS). A client that does not read its buffer (256 kB) within ' +
      'EVENTS_STREAM_DRAIN_TIMEOUT_SECONDS (30 by default) is disconnected and resumes with Last-Event-ID. Needs the Bearer key: use a fetch-based client, since ' +
      "the browser's EventSource cannot send headers.",
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The `id` of the last event received: the stream continues after it.',
  })
  @ApiOkResponse({
    description: 'A text/event-stream of events.',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example:
          'retry: 2000\n\nid: WyJldmVudHMiLCI3NTQiLCIxMDAxIl0\nevent: event\ndata: {"id":"1001","provider":"wms",...}\n\n: heartbeat\n\n',
      },
    },
  })
  @ApiProblems(400, 401)
  async stream(
    @Query() query: EventStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const cursor = this.eventStream.startCursor(query, lastEventId);
    await this.eventStream.stream(res, query, cursor);
  }
}
