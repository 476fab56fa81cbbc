import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  /** The failing field, dotted for nested fields (`owner.email`). */
  @ApiProperty({ example: 'username', maxLength: 200 })
  field!: string;

  @ApiProperty({
    example: 'username must be longer than or equal to 3 characters',
    maxLength: 1000,
  })
  message!: string;
}

/** RFC 9457 problem details, as every error of the API is answered. */
export class ProblemDocumentDto {
  @ApiProperty({ example: 'urn:warden:problem:validation-failed', maxLength: 200 })
  type!: string;

  @ApiProperty({ example: 'Bad Request', maxLength: 200 })
  title!: string;

  @ApiProperty({ example: 400, minimum: 400, maximum: 599 })
  status!: number;

  @ApiProperty({ example: 'The request has invalid fields: username.', maxLength: 2000 })
  detail!: string;

  @ApiProperty({ example: '/api/v1/users', maxLength: 2000 })
  instance!: string;

  @ApiPropertyOptional({ example: '5f0c6f0e-6f51-4f7a-9d39-0c1b8f1f2a3b', maxLength: 128 })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], maxItems: 100 })
  errors?: FieldErrorDto[];
}
