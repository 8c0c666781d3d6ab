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
