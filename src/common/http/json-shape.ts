/** How deep and how wide a parsed JSON body may be before anything walks it. */
export interface JsonShapeLimits {
  /** Nesting levels of objects and arrays; the body itself is level 1. */
  readonly maxDepth: number;
  /** Object members plus array elements, counted over the whole body. */
  readonly maxMembers: number;
}

export type JsonShapeViolation =
  | { readonly kind: 'depth'; readonly limit: number }
  | { readonly kind: 'members'; readonly limit: number };

/**
 * Walks a parsed JSON value iteratively (an explicit stack, never recursion) and
 * stops at the first limit crossed. Validation, class-transformer and audit
 * redaction recurse over bodies; a body that passes this check cannot exhaust
 * their stack or keep a core busy.
 */
export function jsonShapeViolation(
  value: unknown,
  limits: JsonShapeLimits,
): JsonShapeViolation | undefined {
  // Two parallel stacks rather than a record per object, and keys walked in
  // place rather than copied: this runs on every JSON body (100 checks of a
  // decision call are 200 objects).
  const values: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === 'object') {
    values.push(value);
    depths.push(1);
  }
  let members = 0;
  while (values.length > 0) {
    const current = values.pop() as Record<string, unknown> | unknown[];
    const depth = depths.pop() as number;
    if (depth > limits.maxDepth) return { kind: 'depth', limit: limits.maxDepth };
    if (Array.isArray(current)) {
      members += current.length;
      if (members > limits.maxMembers) return { kind: 'members', limit: limits.maxMembers };
      for (const child of current) {
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    // A parsed body's objects hold only their own members.
    for (const key in current) {
      members += 1;
      if (members > limits.maxMembers) return { kind: 'members', limit: limits.maxMembers };
      const child = current[key];
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
