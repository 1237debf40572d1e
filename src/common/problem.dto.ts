import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from 'src/common/problem';

/** The RFC 9457 problem document every error is answered with (see problem.filter.ts), for OpenAPI. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:hooktrail:problem:invalid-parameter' })
  type: string;

  @ApiProperty({ example: 'Invalid parameter' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ description: 'Stable code clients can switch on.', example: 'invalid-parameter' })
  code: string;

  @ApiPropertyOptional({ example: 'limit must be an integer between 1 and 500' })
  detail?: string;

  @ApiPropertyOptional({ description: 'The route pattern.', example: '/api/sessions' })
  instance?: string;

  @ApiPropertyOptional({ description: 'Correlation id, also in X-Request-Id.', example: 'corr-123' })
  requestId?: string;

  @ApiPropertyOptional({ description: 'For invalid-parameter: the parameter at fault.', example: 'limit' })
  parameter?: string;

  @ApiPropertyOptional({
    description:
      'Every problem found (400 invalid-parameter, 422 validation-failed): where (the parameter or field), and ' +
      'what, one message each; a parameter given more than once says so.',
    type: 'array',
    items: {
      type: 'object',
      required: ['path', 'message'],
      properties: { path: { type: 'string' }, message: { type: 'string' } },
    },
    example: [{ path: 'limit', message: 'limit must be an integer between 1 and 500' }],
  })
  errors?: Array<{ path: string; message: string }>;
}

const EXAMPLES = {
  400: {
    description:
      'A parameter is unknown, given more than once or has a bad value (each in `errors[]`, the first in ' +
      '`parameter`), or the cursor is bad.',
    example: {
      type: 'urn:hooktrail:problem:invalid-parameter',
      title: 'Invalid parameter',
      status: 400,
      code: 'invalid-parameter',
      detail: 'limit must be an integer between 1 and 500',
      parameter: 'limit',
      errors: [{ path: 'limit', message: 'limit must be an integer between 1 and 500' }],
      instance: '/api/sessions',
      requestId: 'corr-123',
    },
  },
  401: {
    description: 'No API key, or not a valid one (`Authorization: Bearer <key>`).',
    example: {
      type: 'urn:hooktrail:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      code: 'unauthorized',
      detail: 'The API key is not valid.',
      instance: '/api/sessions',
      requestId: 'corr-123',
    },
  },
  403: {
    description: 'The API key is a `read` key; this route needs an `operate` key (API_KEYS).',
    example: {
      type: 'urn:hooktrail:problem:insufficient-scope',
      title: 'Forbidden',
      status: 403,
      code: 'insufficient-scope',
      detail:
        'This API key may only read; replaying deliveries and minting URLs need an operate key (API_KEYS).',
      instance: '/api/deliveries/replay',
      requestId: 'corr-123',
    },
  },
  404: {
    description: 'Nothing with this provider and id.',
    example: {
      type: 'urn:hooktrail:problem:not-found',
      title: 'Not found',
      status: 404,
      code: 'not-found',
      detail: 'No wms session with id "7e1f5d1c-3b0a-4a51-9d7e-1c2b3a4d5e6f".',
      instance: '/api/sessions/:provider/:externalId',
      requestId: 'corr-123',
    },
  },
} as const;

/** Documents the problem responses a route can give, each with an example. */
export const ApiProblems = (...statuses: Array<keyof typeof EXAMPLES>) =>
  applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: EXAMPLES[status].description,
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(ProblemDto) },
            example: EXAMPLES[status].example,
          },
        },
      }),
    ),
  );
