import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: null }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":null,"z":1}]},"b":1}',
    );
  });

  it('gives the same text for the same value built in another order', () => {
    expect(canonicalJson({ x: 1, y: 'two' })).toBe(canonicalJson({ y: 'two', x: 1 }));
  });

  it('writes dates as ISO strings and escapes strings as JSON does', () => {
    expect(canonicalJson({ at: new Date('2026-01-02T03:04:05.006Z'), s: 'a"b\n' })).toBe(
      '{"at":"2026-01-02T03:04:05.006Z","s":"a\\"b\\n"}',
    );
  });

  it('refuses values JSON cannot represent faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
  });
});
