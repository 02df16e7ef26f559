// Pictures for the photo tests, made here: PNG files written chunk by chunk (zlib for the pixel
// data), and the metadata a phone writes into a JPEG (an EXIF block with an orientation and a
// GPS directory, XMP, a comment, bytes after the end) spliced into a JPEG from elsewhere.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// An RGB PNG of width x height: the left half red, the right half blue, a green square in the
// top-left corner; `seed` changes one pixel so that each call can make a different file. `text`
// (an object) adds tEXt chunks, `time` a tIME chunk. `claim` ({width, height}) writes those in
// the header instead, with a valid CRC, over the real pixel data.
export function pngBytes(width, height, { seed = 0, text = null, time = false, claim = null } = {}) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(claim?.width ?? width, 0);
  ihdr.writeUInt32BE(claim?.height ?? height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const corner = Math.floor(Math.min(width, height) / 4);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // no filter
    for (let x = 0; x < width; x++) {
      const at = row + 1 + x * 3;
      if (x < corner && y < corner) raw[at + 1] = 220;
      else if (x < width / 2) raw[at] = 220;
      else raw[at + 2] = 220;
    }
  }
  raw[1 + ((seed * 3) % (width * 3))] = seed % 251;
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  for (const [k, v] of Object.entries(text || {})) parts.push(chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1')));
  if (time) parts.push(chunk('tIME', Buffer.from([0x07, 0xea, 8, 1, 10, 0, 0])));
  parts.push(chunk('IDAT', deflateSync(raw)));
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

function segment(marker, body) {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

// A big-endian EXIF block: orientation, camera make and model, a GPS directory with latitude
// and longitude references and the text `gpsText` (as GPSAreaInformation).
export function exifBlock({ orientation = 1, gpsText = 'GPS-52.5200N-13.4050E' } = {}) {
  const entries = (n) => Buffer.from([n >> 8, n & 0xff]);
  const entry = (tag, type, count, value) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(tag, 0);
    b.writeUInt16BE(type, 2);
    b.writeUInt32BE(count, 4);
    if (Buffer.isBuffer(value)) value.copy(b, 8);
    else b.writeUInt32BE(value, 8);
    return b;
  };
  const make = Buffer.from('ExampleCam\0', 'latin1');
  const gps = Buffer.from(gpsText, 'latin1');
  // TIFF header (8) + IFD0 (2 + 3 * 12 + 4 = 42) → make at 50, GPS IFD after it.
  const makeAt = 50;
  const gpsAt = makeAt + make.length;
  const gpsIfdLen = 2 + 3 * 12 + 4;
  const textAt = gpsAt + gpsIfdLen;
  const orient = Buffer.alloc(4);
  orient.writeUInt16BE(orientation, 0);
  const tiff = Buffer.concat([
    Buffer.from('MM\0\x2a\0\0\0\x08', 'latin1'),
    entries(3),
    entry(0x0112, 3, 1, orient),
    entry(0x010f, 2, make.length, makeAt),
    entry(0x8825, 4, 1, gpsAt),
    Buffer.alloc(4),
    make,
    entries(3),
    entry(0x0001, 2, 2, Buffer.from('N\0', 'latin1')),
    entry(0x0003, 2, 2, Buffer.from('E\0', 'latin1')),
    entry(0x001c, 7, gps.length, textAt),
    Buffer.alloc(4),
    gps,
  ]);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

// `jpeg` with, after its start marker, an EXIF APP1, an XMP APP1 and a comment, and `trailer`
// after its end marker: what a phone's camera leaves in a file.
export function jpegWithMetadata(jpeg, { orientation = 1, gpsText = 'GPS-52.5200N-13.4050E', trailer = 'TRAILING-BYTES' } = {}) {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const xmp = Buffer.from(`http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>${gpsText}</exif:GPSLatitude></x:xmpmeta>`, 'latin1');
  return Buffer.concat([
    jpeg.subarray(0, 2),
    segment(0xe1, exifBlock({ orientation, gpsText })),
    segment(0xe1, xmp),
    segment(0xfe, Buffer.from(`Taken at ${gpsText}`, 'latin1')),
    jpeg.subarray(2),
    Buffer.from(trailer, 'latin1'),
  ]);
}

// The markers of a JPEG's segments before its first scan (APP1 is 0xe1, a comment 0xfe).
export function jpegMarkers(jpeg) {
  const out = [];
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1];
    out.push(marker);
    if (marker === 0xda) break;
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  return out;
}

// The size in the frame header of a JPEG.
export function jpegSize(jpeg) {
  let i = 2;
  while (i + 9 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  return null;
}

// The chunk types of a PNG, in order.
export function pngChunks(png) {
  const out = [];
  let i = 8;
  while (i + 8 <= png.length) {
    const len = png.readUInt32BE(i);
    out.push(png.toString('latin1', i + 4, i + 8));
    i += 12 + len;
  }
  return out;
}
