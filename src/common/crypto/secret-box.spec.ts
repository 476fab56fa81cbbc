import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('a-secret-of-at-least-thirty-two-characters', 'test');

  it('opens what it sealed, and never seals the same text twice alike', () => {
    const first = box.seal('client-secret', 'row-1');
    expect(first).not.toContain('client-secret');
    expect(box.seal('client-secret', 'row-1')).not.toBe(first);
    expect(box.open(first, 'row-1')).toBe('client-secret');
  });

  it('refuses another context, another key, another purpose and an altered text', () => {
    const sealed = box.seal('client-secret', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow();
    expect(() =>
      new SecretBox('another-secret-of-at-least-thirty-two-chars', 'test').open(sealed, 'row-1'),
    ).toThrow();
    expect(() =>
      new SecretBox('a-secret-of-at-least-thirty-two-characters', 'other').open(sealed, 'row-1'),
    ).toThrow();
    const [version, iv, tag, body = ''] = sealed.split('.');
    const flipped = `${body.startsWith('A') ? 'B' : 'A'}${body.slice(1)}`;
    expect(() => box.open([version, iv, tag, flipped].join('.'), 'row-1')).toThrow();
    expect(() => box.open('plain text', 'row-1')).toThrow();
  });
});
