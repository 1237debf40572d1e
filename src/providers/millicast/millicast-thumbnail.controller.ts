import { Controller, Get, Param, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { invalidParameter, ProblemException } from 'src/common/problem';
import { Database } from 'src/database/database';
import { LATEST_THUMBNAIL } from 'src/providers/millicast/millicast-thumbnail.sql';

interface ThumbnailRow {
  image: Buffer;
  content_type: string;
  captured_at: Date;
  feed_id: string | null;
}

/** The latest stored thumbnail of a Millicast stream, as the JPEG Millicast sent. Needs an API key. */
@ApiTags('millicast')
@ApiBearerAuth('api-key')
@Controller('api/millicast/streams')
export class MillicastThumbnailController {
  constructor(private readonly db: Database) {}

  @Get(':streamId/thumbnail')
  @ApiOperation({
    summary: 'Latest thumbnail of a stream',
    description:
      'The stream id is `accountId/streamName`; send its slash URL-encoded (`ZG6NWV%2Fsample_stream`), or use ' +
      'the two-segment form /api/millicast/streams/{accountId}/{streamName}/thumbnail.',
  })
  @ApiParam({
    name: 'streamId',
    description: 'The Millicast stream id, `accountId/streamName`, with its slash URL-encoded (`%2F`).',
    example: 'ZG6NWV%2Fsample_stream',
  })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({
    description: 'The JPEG exactly as Millicast sent it.',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiNotFoundResponse({ description: 'No thumbnail is stored for the stream.' })
  latest(
    @Param('streamId') streamId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.send(streamId, res);
  }

  @Get(':accountId/:streamName/thumbnail')
  @ApiOperation({ summary: 'Latest thumbnail of a stream, by account and stream name' })
  @ApiParam({
    name: 'accountId',
    description: 'The Millicast account id: the part of the stream id before the slash.',
    example: 'ZG6NWV',
  })
  @ApiParam({
    name: 'streamName',
    description: 'The stream name: the part of the stream id after the slash.',
    example: 'sample_stream',
  })
  @ApiProduces('image/jpeg')
  @ApiOkResponse({
    description: 'The JPEG exactly as Millicast sent it.',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiNotFoundResponse({ description: 'No thumbnail is stored for the stream.' })
  latestByName(
    @Param('accountId') accountId: string,
    @Param('streamName') streamName: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    return this.send(`${accountId}/${streamName}`, res);
  }

  private async send(streamId: string, res: Response): Promise<StreamableFile> {
    if (streamId.length === 0 || streamId.length > 255) {
      throw invalidParameter('streamId', 'streamId must be 1 to 255 characters (accountId/streamName).');
    }
    const { rows } = await this.db.query<ThumbnailRow>(LATEST_THUMBNAIL, [streamId]);
    if (rows.length === 0) {
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        `No thumbnail is stored for stream ${streamId}.`,
      );
    }
    const row = rows[0];
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Last-Modified', row.captured_at.toUTCString());
    res.setHeader('X-Thumbnail-Captured-At', row.captured_at.toISOString());
    if (row.feed_id !== null) res.setHeader('X-Millicast-Feed-Id', row.feed_id);
    return new StreamableFile(row.image, { type: row.content_type, length: row.image.length });
  }
}
