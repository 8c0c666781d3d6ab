/**
 * Loaded with `node --import` into a server under test: moves the process's wall clock (Date) by
 * REZ_TEST_CLOCK_SHIFT_MS, as if the machine had been left running that long. Everything in the process (the
 * runner's Waits, the tools, the simulated site) sees the same moved clock; monotonic timers are untouched.
 */
const shift = Number(process.env.REZ_TEST_CLOCK_SHIFT_MS ?? 0);
if (shift !== 0) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + shift);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + shift;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
