import { describe, expect, it } from "vitest";
import {
  installWallClockTimers,
  NODE_MAX_DELAY_MS,
  WallClockTimeout,
} from "../../local/wall-clock-timers.ts";

const DAY_MS = 24 * 3600_000;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("wall-clock timers", () => {
  it("do not fire a 40-day timer early, where Node's own fires at once", async () => {
    // Prepare
    installWallClockTimers();
    let fired = false;
    // Act
    const timer = setTimeout(() => {
      fired = true;
    }, 40 * DAY_MS);
    await tick(300);
    // Assess
    expect(40 * DAY_MS).toBeGreaterThan(NODE_MAX_DELAY_MS);
    expect(fired).toBe(false);
    clearTimeout(timer);
  });

  it("fire at their wall-clock instant when the clock moves past it, not when a monotonic timer would", async () => {
    // Prepare: a wall clock the test moves, re-read every 10 ms
    let now = 1_000_000;
    const fired: number[] = [];
    const timer = new WallClockTimeout(() => fired.push(now), 40 * DAY_MS, [], {
      now: () => now,
      chunkMs: 10,
    });
    // Act
    await tick(50);
    const early = fired.length;
    now += 40 * DAY_MS - 1;
    await tick(50);
    const justBefore = fired.length;
    now += 1;
    await tick(50);
    // Assess
    expect(early).toBe(0);
    expect(justBefore).toBe(0);
    expect(fired).toEqual([1_000_000 + 40 * DAY_MS]);
    expect(timer.pending).toBe(false);
  });

  it("are cleared by their handle and by their primitive id", async () => {
    // Prepare
    installWallClockTimers();
    let fired = 0;
    const a = setTimeout(() => fired++, 2 * 60_000);
    const b = setTimeout(() => fired++, 2 * 60_000);
    // Act
    clearTimeout(a);
    clearTimeout(Number(b) as unknown as NodeJS.Timeout);
    // Assess
    expect((a as unknown as WallClockTimeout).pending).toBe(false);
    expect((b as unknown as WallClockTimeout).pending).toBe(false);
    expect(fired).toBe(0);
  });

  it("leave short timers to Node", async () => {
    // Prepare
    installWallClockTimers();
    // Act
    const timer = setTimeout(() => {}, 1_000);
    // Assess
    expect(timer).not.toBeInstanceOf(WallClockTimeout);
    expect(typeof timer.unref).toBe("function");
    clearTimeout(timer);
  });
});
