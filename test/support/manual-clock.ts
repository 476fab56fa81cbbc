import { Clock } from '../../src/common/clock/clock';

/** A clock tests move by hand: time passes only when they say so. */
export class ManualClock extends Clock {
  private current: number;

  constructor(start = new Date()) {
    super();
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}
