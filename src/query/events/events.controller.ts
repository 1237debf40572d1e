import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import { EventFeedPageDto, EventFeedQueryDto } from 'src/query/events/events.dto';
import { EventsService } from 'src/query/events/events.service';

@ApiTags('events')
@ApiBearerAuth('api-key')
@Controller('api/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

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
}
