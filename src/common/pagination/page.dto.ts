import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { Type as TransformType } from 'class-transformer';

/** The longest cursor any list gives out (an opaque keyset cursor, or an audit seq). */
export const CURSOR_MAX_LENGTH = 300;

/** The largest page any list serves. */
export const PAGE_MAX_ITEMS = 200;

/**
 * One page of a list, the one shape every list answers with: the items and
 * the cursor of the next page (null on the last).
 * `export class UserListDto extends CursorPage(UserResponseDto) {}`
 */
export function CursorPage<T>(item: Type<T>, maxItems = PAGE_MAX_ITEMS) {
  abstract class Page {
    @ApiProperty({ type: [item], maxItems })
    items!: T[];

    /** Pass as `cursor` to read the next page; null on the last page. */
    @ApiProperty({ type: String, nullable: true, maxLength: CURSOR_MAX_LENGTH })
    nextCursor!: string | null;
  }
  return Page;
}

/** `limit` and `cursor`, as every paged list takes them. */
export class PageQueryDto {
  /** Items per page (default 50). */
  @IsOptional()
  @TransformType(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX_ITEMS)
  limit?: number;

  /** From the previous page's `nextCursor`. */
  @IsOptional()
  @MaxLength(CURSOR_MAX_LENGTH)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this API gave out' })
  cursor?: string;
}
