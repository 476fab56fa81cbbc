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
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let members = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth > limits.maxDepth) return { kind: 'depth', limit: limits.maxDepth };
    const children = Array.isArray(current) ? current : Object.values(current);
    members += children.length;
    if (members > limits.maxMembers) return { kind: 'members', limit: limits.maxMembers };
    for (const child of children) {
      if (child !== null && typeof child === 'object')
        stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}
