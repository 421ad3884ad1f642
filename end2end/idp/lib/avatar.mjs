// A tiny PNG avatar per login for the test identity providers: avatarPng('alice') returns an
// 8x8 one-colour PNG (colour derived from the login) so an <img src> of the picture claim loads.
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function avatarPng(login, size = 8) {
  const [r, g, b] = createHash('sha256').update(login).digest();
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(size * 3).map((_, i) => [r, g, b][i % 3])]);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function sendAvatar(res, pathname) {
  const match = /^\/avatar\/(.+)\.png$/.exec(pathname);
  if (!match) return false;
  const png = avatarPng(decodeURIComponent(match[1]));
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
  res.end(png);
  return true;
}
