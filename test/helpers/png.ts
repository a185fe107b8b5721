import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * A small RGB PNG, written by hand (signature, IHDR, IDAT, IEND); `shade` varies its pixels (different bytes). `noise`:
 * random pixels, which deflate cannot shrink, for a picture as heavy as a camera's (about width × height × 3 bytes).
 */
export function png(width: number, height: number, shade = 0, noise = false): Uint8Array<ArrayBuffer> {
  const crcTable = Array.from({ length: 256 }, (_, k) => {
    let c = k;
    for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    if (noise) raw.set(randomBytes(width * 3), y * (width * 3 + 1) + 1);
    else for (let x = 0; x < width; x++) raw.set([200, (80 + y * 4 + shade) & 0xff, 60], y * (width * 3 + 1) + 1 + x * 3);
  }
  return new Uint8Array(Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
