import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from 'src/common/problem.dto';
import {
  MeasurementDetailDto,
  MeasurementListQueryDto,
  MeasurementPageDto,
  SamplePointDto,
} from 'src/query/measurements/measurements.dto';
import { MeasurementsService } from 'src/query/measurements/measurements.service';
import { ResourcePathDto } from 'src/query/query-params';

@ApiTags('measurements')
@ApiBearerAuth('api-key')
@ApiExtraModels(SamplePointDto)
@Controller('api/measurements')
export class MeasurementsController {
  constructor(private readonly measurements: MeasurementsService) {}

  @Get()
  @ApiOperation({
    summary: 'List measurements',
    description:
      'Newest first (by id); with `updatedSince`, the measurements changed since then in (updatedAt, id) order, ' +
      'a changed measurement showing up again later.',
  })
  @ApiOkResponse({ type: MeasurementPageDto })
  @ApiProblems(400, 401)
  list(@Query() query: MeasurementListQueryDto): Promise<MeasurementPageDto> {
    return this.measurements.list(query);
  }

  @Get(':provider/:externalId')
  @ApiOperation({
    summary: 'One measurement with its series',
    description: 'URL-encode the id. `series` groups the sample points by series name (e.g. `snr`).',
  })
  @ApiOkResponse({ type: MeasurementDetailDto })
  @ApiProblems(400, 401, 404)
  get(@Param() path: ResourcePathDto): Promise<MeasurementDetailDto> {
    return this.measurements.get(path.provider, path.externalId);
  }
}
