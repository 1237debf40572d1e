import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import { ResourcePathDto } from 'src/query/query-params';
import { RecordingDto, RecordingListQueryDto, RecordingPageDto } from 'src/query/recordings/recordings.dto';
import { RecordingsService } from 'src/query/recordings/recordings.service';

@ApiTags('recordings')
@ApiBearerAuth('api-key')
@Controller('api/recordings')
export class RecordingsController {
  constructor(private readonly recordings: RecordingsService) {}

  @Get()
  @ApiOperation({
    summary: 'List recordings',
    description:
      'Newest first (by id); with `updatedSince`, the recordings changed since then in (updatedAt, id) order, ' +
      'a changed recording showing up again later.',
  })
  @ApiOkResponse({ type: RecordingPageDto })
  @ApiProblems(400, 401)
  list(@Query() query: RecordingListQueryDto): Promise<RecordingPageDto> {
    return this.recordings.list(query);
  }

  @Get(':provider/:externalId')
  @ApiOperation({
    summary: 'One recording',
    description: 'URL-encode the id. `urlExpired` tells whether the download URL has expired.',
  })
  @ApiOkResponse({ type: RecordingDto })
  @ApiProblems(400, 401, 404)
  get(@Param() path: ResourcePathDto): Promise<RecordingDto> {
    return this.recordings.get(path.provider, path.externalId);
  }
}
