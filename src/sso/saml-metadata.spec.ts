import { assertShallow, SamlDocumentRefused } from './saml-metadata';

describe('assertShallow', () => {
  const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;

  it('accepts a document at the limit, with self-closing tags, comments, CDATA and a prolog', () => {
    const xml = `<?xml version="1.0"?><r x="1"><!-- <a><a><a> --><b/><c><![CDATA[<a><a>]]></c>${nested(3)}</r>`;
    expect(() => assertShallow(xml, 4)).not.toThrow();
    expect(() => assertShallow(nested(64))).not.toThrow();
  });

  it('refuses one level past the limit', () => {
    expect(() => assertShallow(nested(5), 4)).toThrow(SamlDocumentRefused);
    expect(() => assertShallow(nested(65))).toThrow(/deeper than 64 elements/);
  });

  it('counts siblings as one level, not as depth', () => {
    expect(() => assertShallow(`<r>${'<a></a>'.repeat(1_000)}</r>`, 2)).not.toThrow();
  });
});
