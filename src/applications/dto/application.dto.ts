import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
} from 'class-validator';
import type { Application } from '../entities/application.entity';
import { CursorPage, PageQueryDto } from '../../common/pagination/page.dto';

const UUID_LIST = (maxItems: number) =>
  ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    maxItems,
  });

export class CreateApplicationDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateApplicationDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  /** `null` clears it. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @ApiProperty({ type: String, nullable: true, maxLength: 500, required: false })
  description?: string | null;
}

/** The complete assignment: who is not listed is unassigned. */
export class AssignmentsDto {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true })
  @UUID_LIST(1000)
  userIds!: string[];

  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  @UUID_LIST(200)
  groupIds!: string[];
}

export class ListApplicationsQueryDto extends PageQueryDto {
  /** Text in the name (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @IsOptional()
  @IsUUID('all')
  ownerId?: string;
}

export class ApplicationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ maxLength: 100 }) name!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 500 }) description!: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ type: AssignmentsDto }) assignments!: AssignmentsDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;

  static from(application: Application): ApplicationResponseDto {
    return {
      id: application.id,
      name: application.name,
      description: application.description,
      ownerId: application.ownerId,
      assignments: {
        userIds: [...application.assignedUserIds],
        groupIds: [...application.assignedGroupIds],
      },
      createdAt: application.createdAt.toISOString(),
      updatedAt: application.updatedAt.toISOString(),
    };
  }
}

export class ApplicationListDto extends CursorPage(ApplicationResponseDto) {}
