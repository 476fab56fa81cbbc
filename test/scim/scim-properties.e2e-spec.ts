import fc from 'fast-check';
import { filter as referenceFilter, type Filter, stringify } from 'scim2-parse-filter';
import { signInOwner } from '../support/principals';
import { startTestApp, type TestApp } from '../support/test-app';
import { issueScimKey, patchOp, type ScimClient, scimClient, USER_SCHEMA } from './scim-client';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * Properties of the two pieces that read IdP input: the filter translation
 * (SQL answers exactly what the library's reference evaluator answers over
 * the same users) and PATCH (random operations never give a 5xx; a PATCH
 * equals its operations sent one at a time; a refused PATCH changes nothing).
 */
describe('SCIM filters and PATCH under generated input', () => {
  let t: TestApp;
  let scim: ScimClient;
  /** The seeded users as the API returns them, by id. */
  const seeded = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    t = await startTestApp();
    scim = scimClient(t, await issueScimKey(t, await signInOwner(t)));
    // Lower-case letters and digits only: case-insensitivity and collation are
    // tested elsewhere; here the SQL and the reference must agree exactly.
    const people = [
      ['alpha01', 'alpha', 'ada', 'ext1', true, 'alpha01@one.example'],
      ['alpha02', null, 'alan', null, false, null],
      ['beta03', 'beta', null, 'ext3', true, 'beta03@two.example'],
      ['beta04', 'betamax', 'bob', 'ext4', false, 'beta04@one.example'],
      ['gamma05', 'gamma', 'grace', null, true, null],
      ['gamma06', null, null, 'ext6', true, 'gamma06@three.example'],
      ['delta07', 'delta', 'dora', 'ext7', false, 'delta07@two.example'],
      ['omega08', 'omega', 'oscar', 'ext8', true, 'omega08@one.example'],
    ] as const;
    for (const [userName, displayName, givenName, externalId, active, email] of people) {
      const created = await scim.post('/Users', {
        schemas: [USER_SCHEMA],
        userName,
        ...(displayName ? { displayName } : {}),
        ...(givenName ? { name: { givenName } } : {}),
        ...(externalId ? { externalId } : {}),
        active,
        ...(email ? { emails: [{ value: email, type: 'work', primary: true }] } : {}),
      });
      expect(created.status).toBe(201);
      seeded.set(created.body.id as string, created.body as Record<string, unknown>);
    }
  });
  afterAll(() => t.close());

  const word = fc.constantFrom(
    'a',
    'al',
    'alpha',
    'be',
    'beta03',
    'ga',
    'mma',
    '0',
    '01',
    'ext',
    'ext4',
    'one',
    'x',
    'omega08',
    'o',
  );
  const textAttribute = fc.constantFrom('userName', 'displayName', 'name.givenName', 'externalId');
  const comparison: fc.Arbitrary<Filter> = fc.oneof(
    fc.record({
      op: fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'),
      attrPath: textAttribute,
      compValue: word,
    }) as fc.Arbitrary<Filter>,
    fc.record({ op: fc.constant('pr'), attrPath: textAttribute }) as fc.Arbitrary<Filter>,
    fc.record({
      op: fc.constantFrom('eq', 'ne'),
      attrPath: fc.constant('active'),
      compValue: fc.boolean(),
    }) as fc.Arbitrary<Filter>,
    word.map((value): Filter => ({
      op: '[]',
      attrPath: 'emails',
      valFilter: { op: 'co', attrPath: 'value', compValue: value },
    })),
  );
  const filters: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      comparison,
      fc.record({ op: fc.constant('not'), filter: tie('filter') }) as fc.Arbitrary<Filter>,
      fc.record({
        op: fc.constantFrom('and', 'or'),
        filters: fc.array(tie('filter'), { minLength: 2, maxLength: 3 }),
      }) as fc.Arbitrary<Filter>,
    ),
  })).filter;

  it('answers every generated filter exactly as the reference evaluator does', async () => {
    await fc.assert(
      fc.asyncProperty(filters, async (filter) => {
        const text = stringify(filter);
        const response = await scim.get(`/Users?filter=${encodeURIComponent(text)}&count=1000`);
        expect({ text, status: response.status }).toEqual({ text, status: 200 });
        const got = (response.body.Resources as Array<{ id: string }>)
          .map((user) => user.id)
          .filter((id) => seeded.has(id))
          .sort();
        const matches = referenceFilter(filter);
        const expected = [...seeded.entries()]
          .filter(([, user]) => matches(user))
          .map(([id]) => id)
          .sort();
        expect({ text, ids: got }).toEqual({ text, ids: expected });
      }),
      { numRuns: 150, seed: 20261204 },
    );
  });

  it('refuses random filter text with 400 invalidFilter or answers it, never a 5xx', async () => {
    const noise = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .array(
          fc.constantFrom(
            'userName',
            'eq',
            'ne',
            'and',
            'or',
            'not',
            '(',
            ')',
            '[',
            ']',
            '"x"',
            'pr',
            'emails',
            '.',
            'value',
            'true',
            '12',
            ' ',
            'title',
            ENTERPRISE,
            ':',
          ),
          { maxLength: 12 },
        )
        .map((tokens) => tokens.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(noise, async (text) => {
        const response = await scim.get(`/Users?filter=${encodeURIComponent(text)}`);
        expect(response.status).toBeLessThan(500);
        if (response.status !== 200) expect(response.body.scimType).toBe('invalidFilter');
      }),
      { numRuns: 200, seed: 20261204 },
    );
  });

  const operation = fc.oneof(
    fc.record({
      op: fc.constantFrom('replace', 'Replace', 'add'),
      path: fc.constant('displayName'),
      value: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
    }),
    fc.record({
      op: fc.constant('remove'),
      path: fc.constantFrom(
        'displayName',
        'name.givenName',
        'externalId',
        `${ENTERPRISE}:department`,
      ),
    }),
    fc.record({
      op: fc.constantFrom('replace', 'add'),
      path: fc.constant('name.givenName'),
      value: fc.constantFrom('Ada', 'Grace'),
    }),
    fc.record({
      op: fc.constantFrom('Replace', 'replace'),
      path: fc.constant('active'),
      value: fc.constantFrom(true, false, 'True', 'False'),
    }),
    fc.record({
      op: fc.constant('add'),
      path: fc.constant('emails[type eq "work"].value'),
      value: fc.constantFrom('prop@one.example', 'prop@two.example'),
    }),
    fc.record({
      op: fc.constant('add'),
      path: fc.constant(`${ENTERPRISE}:department`),
      value: fc.constantFrom('Sales', 'Finance'),
    }),
    fc.record({
      op: fc.constant('replace'),
      value: fc.record({
        displayName: fc.constantFrom('Dotted', 'Keys'),
        'name.familyName': fc.constantFrom('Hopper', 'Lovelace'),
        [`${ENTERPRISE}:employeeNumber`]: fc.constantFrom('1', '2'),
      }),
    }),
    // refused: unknown attribute, bad op, bad boolean, read-only
    fc.record({
      op: fc.constant('replace'),
      path: fc.constantFrom('nickName', '__proto__.x', 'id'),
      value: fc.constant('x'),
    }),
    fc.record({
      op: fc.constant('move'),
      path: fc.constant('displayName'),
      value: fc.constant('x'),
    }),
    fc.record({
      op: fc.constant('replace'),
      path: fc.constant('active'),
      value: fc.constant('sometimes'),
    }),
  );

  it('applies a PATCH like its operations one by one; a refused PATCH changes nothing; never a 5xx', async () => {
    const subject = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'patched',
      displayName: 'Start',
      name: { givenName: 'Start' },
      active: true,
    });
    const id = subject.body.id as string;
    const initial = { ...subject.body };
    const reset = async () => {
      const response = await scim.put(`/Users/${id}`, initial);
      expect(response.status).toBe(200);
    };
    const state = async () => {
      const body = (await scim.get(`/Users/${id}`)).body as Record<string, unknown>;
      // meta.lastModified moves with every write; everything else must match.
      return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'meta'));
    };
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 4 }), async (operations) => {
        await reset();
        const before = await state();
        const together = await scim.patch(`/Users/${id}`, patchOp(...operations));
        expect(together.status).toBeLessThan(500);
        const afterTogether = await state();
        if (together.status !== 200) {
          expect(afterTogether).toEqual(before);
          return;
        }
        await reset();
        for (const single of operations) {
          const response = await scim.patch(`/Users/${id}`, patchOp(single));
          expect(response.status).toBe(200);
        }
        expect(await state()).toEqual(afterTogether);
      }),
      { numRuns: 60, seed: 20261204 },
    );
  });
});
