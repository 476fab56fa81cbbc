import { IsInt, IsString, validateSync } from 'class-validator';
import { memoiseValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString() name!: string;
}

class Child extends Base {
  @IsInt() size!: number;
}

const errorsOf = (object: object) =>
  validateSync(object, { whitelist: true, forbidNonWhitelisted: true }).map((e) => e.property);

describe('memoiseValidationMetadata', () => {
  beforeAll(() => memoiseValidationMetadata());

  it('validates as before, inherited rules included, on every call', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(errorsOf(Object.assign(new Child(), { name: 'n', size: 1 }))).toEqual([]);
      expect(errorsOf(Object.assign(new Child(), { name: 1, size: 'x' })).sort()).toEqual([
        'name',
        'size',
      ]);
      expect(errorsOf(Object.assign(new Child(), { name: 'n', size: 1, extra: true }))).toEqual([
        'extra',
      ]);
    }
  });

  it('sees a rule registered after the first validation', () => {
    class Late {
      @IsString() first!: string;
    }
    expect(errorsOf(Object.assign(new Late(), { first: 'a' }))).toEqual([]);
    IsInt()(Late.prototype, 'second');
    expect(errorsOf(Object.assign(new Late(), { first: 'a', second: 'b' }))).toEqual(['second']);
  });
});
