import { DOMParser } from '@xmldom/xmldom';
import { X509Certificate } from 'node:crypto';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** Why a SAML document was refused; safe to show to whoever supplied it. */
export class SamlDocumentRefused extends Error {}

/**
 * XML from outside is parsed without a document type: a DOCTYPE can declare
 * external entities (XXE) or entity expansion bombs, and SAML never needs one.
 */
export function assertNoDoctype(xml: string): void {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    throw new SamlDocumentRefused('XML with a document type declaration is not accepted');
}

/** Deeper than any SAML response or metadata document (those nest about ten levels). */
export const MAX_XML_DEPTH = 64;

/**
 * Refuses XML nested deeper than MAX_XML_DEPTH elements before a parser, a
 * canonicaliser or a signature check walks it: 20,000 levels cost seconds of
 * CPU there. A linear scan of tags; comments, CDATA and processing
 * instructions hold no elements and are skipped.
 */
export function assertShallow(xml: string, maxDepth = MAX_XML_DEPTH): void {
  const tags =
    /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)[^\s/>!?][^>]*?(\/?)>/g;
  let depth = 0;
  for (const [, closing, selfClosing] of xml.matchAll(tags)) {
    if (closing === undefined) continue; // comment, CDATA or processing instruction
    if (closing === '/') depth -= 1;
    else if (selfClosing !== '/') depth += 1;
    if (depth > maxDepth)
      throw new SamlDocumentRefused(`XML nested deeper than ${maxDepth} elements is not accepted`);
  }
}

/** A PEM certificate, normalised; throws SamlDocumentRefused when it is not one. */
export function normaliseCertificate(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
  } catch {
    throw new SamlDocumentRefused('is not a valid X.509 certificate');
  }
  return pem;
}

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

/** Reads an IdP's entity id, HTTP-Redirect SSO URL and signing certificates from its metadata. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  assertNoDoctype(xml);
  assertShallow(xml);
  const errors: string[] = [];
  const document = new DOMParser({
    errorHandler: (level: string, message: unknown) => {
      if (level !== 'warning') errors.push(String(message));
    },
  }).parseFromString(xml, 'application/xml');
  const entity = document.getElementsByTagNameNS(MD, 'EntityDescriptor')[0];
  const idp = entity?.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (errors.length > 0 || entity === undefined || idp === undefined)
    throw new SamlDocumentRefused(
      'is not SAML 2.0 IdP metadata (no EntityDescriptor/IDPSSODescriptor)',
    );
  const entityId = entity.getAttribute('entityID') ?? '';
  const ssoUrl =
    Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'))
      .find((service) => service.getAttribute('Binding') === REDIRECT_BINDING)
      ?.getAttribute('Location') ?? '';
  const certificates = Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((key) => (key.getAttribute('use') ?? 'signing') === 'signing')
    .flatMap((key) => Array.from(key.getElementsByTagNameNS(DSIG, 'X509Certificate')))
    .map((certificate) => normaliseCertificate(certificate.textContent ?? ''));
  if (entityId === '') throw new SamlDocumentRefused('has no entityID');
  if (ssoUrl === '')
    throw new SamlDocumentRefused('has no SingleSignOnService with the HTTP-Redirect binding');
  if (certificates.length === 0) throw new SamlDocumentRefused('has no signing certificate');
  return { entityId, ssoUrl, certificates };
}
