/** Deterministic weather for the simulators: the same place and day always give the same forecast. */

export function seeded(...parts: number[]): number {
  let h = 2166136261;
  for (const part of parts) {
    h ^= Math.round(part * 1000);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return (h % 10_000) / 10_000;
}

export const CONDITIONS = [
  { code: 0, text: "Sunny", night: "Clear" },
  { code: 2, text: "Partly Sunny", night: "Partly Cloudy" },
  { code: 3, text: "Mostly Cloudy", night: "Mostly Cloudy" },
  { code: 61, text: "Chance Rain Showers", night: "Chance Rain Showers" },
  { code: 63, text: "Rain", night: "Rain" },
] as const;

/** Daytime high in °F for a latitude and a day number. */
export function highF(latitude: number, day: number): number {
  return Math.round(85 - Math.abs(latitude) * 0.6 + seeded(latitude, day) * 12);
}

/** The UTC offset of a time zone at an instant, as "+hh:mm". */
export function offsetOf(timeZone: string, at: Date): string {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(at)
      .find((part) => part.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return match ? `${match[1]}:${match[2] ?? "00"}` : "+00:00";
}

/** The local calendar date (YYYY-MM-DD) and hour of an instant in a time zone. */
export function localParts(timeZone: string, at: Date): { date: string; hour: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
