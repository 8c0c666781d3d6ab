import { crc32, deflateSync } from "node:zlib";

/**
 * The extension's icon, drawn here rather than kept as a binary in git: a green tile with a white ball and a red
 * flag, as a 512×512 RGBA PNG (the size Claude Desktop recommends).
 */
export function drawIcon(size = 512): Buffer {
  const pixels = Buffer.alloc(size * (size * 4 + 1));
  const inside = (x: number, y: number) => {
    // A rounded square: the corners are quarter circles of radius size/6.
    const r = size / 6;
    const cx = Math.min(Math.max(x, r), size - r);
    const cy = Math.min(Math.max(y, r), size - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  for (let y = 0; y < size; y++) {
    pixels[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      let rgba: [number, number, number, number] = [0, 0, 0, 0];
      if (inside(x + 0.5, y + 0.5)) rgba = [46, 125, 50, 255];
      if ((u - 0.5) ** 2 + (v - 0.72) ** 2 < 0.13 ** 2) rgba = [250, 250, 250, 255];
      if (u >= 0.56 && u <= 0.585 && v >= 0.16 && v <= 0.6) rgba = [250, 250, 250, 255];
      if (u > 0.585 && v >= 0.16 && v <= 0.36 && u - 0.585 <= 0.2 * (1 - Math.abs(v - 0.26) / 0.1)) {
        rgba = [211, 47, 47, 255];
      }
      pixels.set(rgba, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const frame = Buffer.alloc(12 + data.length);
    frame.writeUInt32BE(data.length, 0);
    body.copy(frame, 4);
    frame.writeUInt32BE(crc32(body), 8 + data.length);
    return frame;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter set, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
