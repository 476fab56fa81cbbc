import { ApiProperty } from '@nestjs/swagger';

export class DependencyStatusDto {
  @ApiProperty({ enum: ['up'], example: 'up' })
  status!: 'up';
}

export class ReadinessDependenciesDto {
  @ApiProperty({ type: DependencyStatusDto })
  database!: DependencyStatusDto;

  @ApiProperty({ type: DependencyStatusDto })
  redis!: DependencyStatusDto;
}

/** What GET /health/ready answers while every dependency is up. */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';

  @ApiProperty({ type: ReadinessDependenciesDto })
  details!: ReadinessDependenciesDto;
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}
