import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import fc from 'fast-check';
import { CheckRequestDto, MAX_CHECKS } from './check.dto';

/** What the full path (class-transformer + class-validator, as StrictValidationPipe runs it) says. */
async function fullPathAccepts(body: unknown): Promise<boolean> {
  if (body === null || typeof body !== 'object') return false;
  const errors = await validate(plainToInstance(CheckRequestDto, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length === 0;
}

const uuid = fc.uuid();
const nearUuid = fc.oneof(
  { weight: 8, arbitrary: uuid },
  uuid.map((id) => id.toUpperCase()),
  uuid.map((id) => id.slice(1)),
  uuid.map((id) => `${id} `),
  fc.string(),
  fc.integer(),
  fc.constant(null),
);
const action = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('read', 'deploy', 'db:write', 'a.b-c_d') },
  fc.constantFrom(
    'read',
    'deploy',
    'db:write',
    'a.b-c_d',
    '*',
    'read*',
    '1read',
    '',
    'x'.repeat(101),
  ),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);
const resource = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant('application'), id: nearUuid }) },
  fc.record({ type: fc.constantFrom('application', 'group', 'Application'), id: uuid }),
  fc.record({ type: fc.constant('application'), id: uuid, extra: fc.string() }),
  fc.record({ type: fc.constant('application') }),
  fc.constant('application'),
);
const check = fc.oneof(
  { weight: 12, arbitrary: fc.record({ userId: nearUuid, action, resource }) },
  fc.record({ userId: uuid, action, resource, note: fc.string() }),
  fc.record({ userId: uuid, action }),
  fc.record({ userId: uuid, action, resource, valueOf: fc.string() }),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.record({ checks: fc.array(check, { maxLength: 3 }) }) },
  fc.record({ checks: fc.array(check, { minLength: MAX_CHECKS + 1, maxLength: MAX_CHECKS + 2 }) }),
  fc.record({ checks: fc.array(check, { maxLength: 2 }), more: fc.boolean() }),
  fc.record({ checks: check }),
  fc.constant([]),
  fc.constant(null),
);
const validBody = fc.record({
  checks: fc.array(
    fc.record({
      userId: uuid,
      action: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,20}$/),
      resource: fc.record({ type: fc.constant('application' as const), id: uuid }),
    }),
    { minLength: 1, maxLength: MAX_CHECKS },
  ),
});

describe('CheckRequestDto.acceptsExactly (the decision endpoint’s fast path)', () => {
  it('never accepts a body the full validation refuses', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const candidate: unknown = JSON.parse(JSON.stringify(generated));
        if (CheckRequestDto.acceptsExactly(candidate)) {
          accepted += 1;
          expect(await fullPathAccepts(candidate)).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
    // Some generated bodies are valid, so the implication was put to the test.
    expect(accepted).toBeGreaterThan(20);
  });

  it('accepts every valid body, so valid calls skip class-validator', async () => {
    await fc.assert(
      fc.asyncProperty(validBody, async (generated) => {
        // As the body parser makes it: plain objects.
        const candidate: unknown = JSON.parse(JSON.stringify(generated));
        expect(await fullPathAccepts(candidate)).toBe(true);
        expect(CheckRequestDto.acceptsExactly(candidate)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('turns away what the full path refuses, for it to explain', () => {
    const valid = {
      checks: [
        {
          userId: '7f0e3b1e-8c1d-4a55-9a1e-2f4b2f7c9d10',
          action: 'read',
          resource: { type: 'application', id: '0b5d6a8e-1f2a-4c3b-8d9e-0a1b2c3d4e5f' },
        },
      ],
    };
    expect(CheckRequestDto.acceptsExactly(valid)).toBe(true);
    for (const mutate of [
      (b: typeof valid) => ({ ...b, extra: 1 }),
      (b: typeof valid) => ({ checks: [{ ...b.checks[0], action: '*' }] }),
      (b: typeof valid) => ({ checks: [{ ...b.checks[0], userId: 'nope' }] }),
      (b: typeof valid) => ({
        checks: [{ ...b.checks[0], resource: { type: 'group', id: b.checks[0].resource.id } }],
      }),
      () => ({ checks: [] }),
    ]) {
      expect(CheckRequestDto.acceptsExactly(mutate(valid))).toBe(false);
    }
  });
});
