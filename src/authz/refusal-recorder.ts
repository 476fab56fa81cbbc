import type { Principal } from './principal';

/** A refused authorization attempt, as the policy engine reports it. */
export interface Refusal {
  principal: Principal;
  /** What was attempted, in words: "deactivate themselves", "read AuditEvent". */
  attempted: string;
  target: { type: string; id: string | null };
}

/**
 * Where the policy engine reports refusals. Defined here and implemented by
 * the audit module (every refusal is an `authz.denied` event), so the engine
 * depends on no module above it.
 */
export abstract class RefusalRecorder {
  abstract record(refusal: Refusal): Promise<void>;
}
