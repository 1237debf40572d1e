import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import { EventPageDto, TimelineQueryDto } from 'src/query/events/events.dto';
import { EventsService } from 'src/query/events/events.service';
import { ResourcePathDto } from 'src/query/query-params';
import { SessionDetailDto, SessionListQueryDto, SessionPageDto } from 'src/query/sessions/sessions.dto';
import { SessionsService } from 'src/query/sessions/sessions.service';

@ApiTags('sessions')
@ApiBearerAuth('api-key')
@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly events: EventsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List sessions',
    description:
      'Newest first (by id), which stays stable while sessions change. With `updatedSince`, the sessions ' +
      'changed since then in (updatedAt, id) order: a session that changes while you page shows up again ' +
      'later, none is skipped.',
  })
  @ApiOkResponse({ type: SessionPageDto })
  @ApiProblems(400, 401)
  list(@Query() query: SessionListQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(query);
  }

  @Get(':provider/:externalId')
  @ApiOperation({
    summary: 'One session',
    description: 'Its state and times, parent and children, recordings and measurements. URL-encode the id.',
  })
  @ApiOkResponse({ type: SessionDetailDto })
  @ApiProblems(400, 401, 404)
  get(@Param() path: ResourcePathDto): Promise<SessionDetailDto> {
    return this.sessions.get(path.provider, path.externalId);
  }

  @Get(':provider/:externalId/events')
  @ApiOperation({
    summary: "A session's timeline",
    description:
      "The session's events in the provider's order: event time, then the provider's sequence, then id. " +
      'An event that arrives late with an earlier time takes its place in that order.',
  })
  @ApiOkResponse({ type: EventPageDto })
  @ApiProblems(400, 401, 404)
  async timeline(@Param() path: ResourcePathDto, @Query() query: TimelineQueryDto): Promise<EventPageDto> {
    const sessionId = await this.sessions.idOf(path.provider, path.externalId);
    return this.events.timeline(sessionId, query);
  }
}
