import { jsonShapeViolation } from './json-shape';

const limits = { maxDepth: 4, maxMembers: 10 };

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

describe('jsonShapeViolation', () => {
  it('accepts scalars and bodies within both limits', () => {
    expect(jsonShapeViolation('text', limits)).toBeUndefined();
    expect(jsonShapeViolation(null, limits)).toBeUndefined();
    expect(jsonShapeViolation({ a: { b: { c: [1, 2] } } }, limits)).toBeUndefined();
    expect(jsonShapeViolation(nested(4), limits)).toBeUndefined();
  });

  it('refuses one level past the depth limit, in arrays and objects alike', () => {
    expect(jsonShapeViolation(nested(5), limits)).toEqual({ kind: 'depth', limit: 4 });
    expect(jsonShapeViolation({ a: { b: { c: { d: {} } } } }, limits)).toEqual({
      kind: 'depth',
      limit: 4,
    });
  });

  it('counts members (2 + 4 + 3 = 9, then 11) over the whole body, wherever they sit', () => {
    expect(
      jsonShapeViolation({ a: [1, 2, 3, 4], b: { c: 1, d: 2, e: 3 } }, limits),
    ).toBeUndefined();
    expect(
      jsonShapeViolation({ a: [1, 2, 3, 4], b: { c: 1, d: 2, e: 3, f: 4, g: 5 } }, limits),
    ).toEqual({ kind: 'members', limit: 10 });
  });

  it('walks a body far deeper than the call stack allows without throwing', () => {
    expect(jsonShapeViolation(nested(200_000), { maxDepth: 32, maxMembers: 10_000 })).toEqual({
      kind: 'depth',
      limit: 32,
    });
  });
});
