/** Calendar dates and wall-clock times in a named time zone, with Intl only (no date library). */

/** The UTC offset of a time zone at an instant, as "+hh:mm". */
export function offsetOf(timeZone: string, at: Date): string {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(at)
      .find((part) => part.type === "timeZoneName")?.value ?? "GMT";
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return match ? `${match[1]}:${match[2] ?? "00"}` : "+00:00";
}

/** The local calendar date (YYYY-MM-DD), hour and minute of an instant in a time zone. */
export function localParts(timeZone: string, at: Date): { date: string; hour: number; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** A time of day as HH:MM. */
export function timeOfDay(hour: number, minute: number): string {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);
}

/** Whether a YYYY-MM-DD string names a real calendar day (not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T12:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/**
 * A local wall-clock time ("2026-12-01T08:10:00", no offset, as CPS Golf sends it) as ISO 8601 with the zone's
 * offset on that day.
 */
export function withOffset(local: string, timeZone: string): string {
  const wall = local.length === 16 ? `${local}:00` : local.slice(0, 19);
  const asUtc = new Date(`${wall}Z`);
  if (Number.isNaN(asUtc.getTime())) return local;
  // The offset at the wall time read as UTC is right except within hours of a change; a second pass fixes that.
  const first = offsetMinutes(offsetOf(timeZone, asUtc));
  const offset = offsetOf(timeZone, new Date(asUtc.getTime() - first * 60_000));
  return `${wall}${offset}`;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith("-") ? -1 : 1;
  const [hh, mm] = offset.slice(1).split(":").map(Number);
  return sign * ((hh ?? 0) * 60 + (mm ?? 0));
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A date as JavaScript's Date.toDateString() writes it, which CPS Golf's search expects: "Wed Oct 29 2025". */
export function dateString(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${d.getUTCFullYear()}`;
}
