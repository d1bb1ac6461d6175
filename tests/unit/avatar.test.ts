import { crc32 } from 'node:zlib';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { AVATAR_MAX_BYTES, AVATAR_SIZE, AvatarError, processAvatar } from '../../src/profiles/avatar.js';

type Rgb = readonly [number, number, number];
const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [30, 200, 30];
const BLUE: Rgb = [30, 30, 220];

/** Raw RGB pixels made of equal bands of colour, side by side (columns) or stacked (rows). */
function bands(width: number, height: number, colours: readonly Rgb[], direction: 'columns' | 'rows'): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const position = direction === 'columns' ? x / width : y / height;
      const colour = colours[Math.floor(position * colours.length)] ?? RED;
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset] ?? -1, data[offset + 1] ?? -1, data[offset + 2] ?? -1];
}

/** Lossy WebP shifts colours a little: close to the expected colour, far from the others. */
function expectColour(actual: Rgb, expected: Rgb): void {
  for (let channel = 0; channel < 3; channel++) {
    expect(Math.abs((actual[channel] ?? 0) - (expected[channel] ?? 0))).toBeLessThan(40);
  }
}

async function expectAvatar(output: Buffer): Promise<Metadata> {
  const metadata = await sharp(output).metadata();
  expect(metadata.format).toBe('webp');
  expect(metadata.width).toBe(AVATAR_SIZE);
  expect(metadata.height).toBe(AVATAR_SIZE);
  expect(metadata.pages ?? 1).toBe(1);
  expect(metadata.exif).toBeUndefined();
  expect(metadata.xmp).toBeUndefined();
  expect(metadata.icc).toBeUndefined();
  expect(metadata.iptc).toBeUndefined();
  return metadata;
}

async function reasonOf(bytes: Buffer): Promise<string> {
  try {
    await processAvatar(bytes);
  } catch (error) {
    if (error instanceof AvatarError) return error.reason;
    throw error;
  }
  throw new Error('expected an AvatarError');
}

/** The GPS IFD pointer tag (0x8825), in either byte order. */
function hasGpsPointer(exif: Buffer | undefined): boolean {
  if (exif === undefined) return false;
  return exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]));
}

/** Rewrites a PNG's IHDR to claim other dimensions, with a valid CRC: what a decompression bomb looks like. */
function withPngDimensions(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}

const SMALL = { width: 64, height: 64, channels: 3, background: '#1e90ff' } as const;

describe('processAvatar: accepted images', () => {
  it('turns a PNG into a square WebP of AVATAR_SIZE without metadata', async () => {
    const png = await sharp({ create: { ...SMALL, width: 300, height: 300 } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    expect((await sharp(png).metadata()).icc).toBeDefined();
    const output = await processAvatar(png);
    await expectAvatar(output);
  });

  it('strips EXIF (camera, GPS), XMP and ICC from a JPEG', async () => {
    const jpeg = await sharp({ create: { ...SMALL, width: 800, height: 600 } })
      .withExif({
        IFD0: { Make: 'Ágora Cam', Model: 'Test 1', Copyright: 'Someone', Artist: 'Jane Roe' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 23/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 10/1 0/1' },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
      )
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const input = await sharp(jpeg).metadata();
    expect(input.exif?.includes('Jane Roe')).toBe(true);
    expect(hasGpsPointer(input.exif)).toBe(true);
    expect(input.xmp).toBeDefined();
    expect(input.icc).toBeDefined();

    const output = await processAvatar(jpeg);
    await expectAvatar(output);
    expect(output.includes('Jane Roe')).toBe(false);
    expect(output.includes('Cam')).toBe(false);
  });

  it('accepts a WebP', async () => {
    const webp = await sharp({ create: SMALL }).webp().toBuffer();
    await expectAvatar(await processAvatar(webp));
  });

  it('accepts a PNG with transparency', async () => {
    const png = await sharp({ create: { ...SMALL, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    await expectAvatar(await processAvatar(png));
  });

  it('crops a wide image around its centre', async () => {
    const wide = await bands(600, 200, [RED, GREEN, BLUE], 'columns').png().toBuffer();
    const output = await processAvatar(wide);
    await expectAvatar(output);
    expectColour(await pixelAt(output, 4, 128), GREEN);
    expectColour(await pixelAt(output, 251, 128), GREEN);
  });

  it('crops a tall image around its centre', async () => {
    const tall = await bands(200, 600, [RED, GREEN, BLUE], 'rows').jpeg({ quality: 95 }).toBuffer();
    const output = await processAvatar(tall);
    await expectAvatar(output);
    expectColour(await pixelAt(output, 128, 4), GREEN);
    expectColour(await pixelAt(output, 128, 251), GREEN);
  });

  it('honours the EXIF orientation of a photo taken with the phone turned', async () => {
    // Stored left red / right blue; orientation 6 means "rotate 90° clockwise to display": red on top.
    const jpeg = await bands(200, 200, [RED, BLUE], 'columns')
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const output = await processAvatar(jpeg);
    await expectAvatar(output);
    expectColour(await pixelAt(output, 128, 10), RED);
    expectColour(await pixelAt(output, 128, 245), BLUE);
  });

  it('keeps only the first frame of an animated WebP', async () => {
    const frame = 64;
    const frames = await bands(frame, frame * 3, [RED, GREEN, BLUE], 'rows')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const animated = await sharp(frames.data, {
      raw: { width: frame, height: frame * 3, channels: 3, pageHeight: frame },
    })
      .webp({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(3);

    const output = await processAvatar(animated);
    await expectAvatar(output);
    expectColour(await pixelAt(output, 128, 128), RED);
  });
});

describe('processAvatar: refused input', () => {
  it('refuses more than AVATAR_MAX_BYTES before decoding anything', async () => {
    const huge = Buffer.alloc(AVATAR_MAX_BYTES + 1);
    // A PNG signature on top: the size alone decides.
    huge.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(await reasonOf(huge)).toBe('too_large');
  });

  it('does not call exactly AVATAR_MAX_BYTES too large', async () => {
    const atLimit = Buffer.alloc(AVATAR_MAX_BYTES);
    atLimit.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(await reasonOf(atLimit)).toBe('unreadable');
  });

  it('refuses a decompression bomb: a small file that claims a huge number of pixels', async () => {
    const png = await sharp({ create: SMALL }).png().toBuffer();
    const bomb = withPngDimensions(png, 20_000, 20_000);
    expect(bomb.length).toBeLessThan(1024);
    expect(await reasonOf(bomb)).toBe('too_large');
    // The same file with honest dimensions goes through: the header, not the file, was refused.
    await expectAvatar(await processAvatar(withPngDimensions(png, 64, 64)));
  });

  it('refuses a GIF, even an ordinary one', async () => {
    const gif = await sharp({ create: SMALL }).gif().toBuffer();
    expect(await reasonOf(gif)).toBe('unsupported');
  });

  it('refuses TIFF and AVIF, which sharp could read', async () => {
    expect(await reasonOf(await sharp({ create: SMALL }).tiff().toBuffer())).toBe('unsupported');
    expect(await reasonOf(await sharp({ create: SMALL }).avif({ effort: 0 }).toBuffer())).toBe('unsupported');
  });

  it('refuses an SVG, with or without an XML declaration', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>';
    expect(await reasonOf(Buffer.from(svg))).toBe('unsupported');
    expect(await reasonOf(Buffer.from(`<?xml version="1.0"?>\n${svg}`))).toBe('unsupported');
  });

  it('refuses a PDF and a text file whatever they are called', async () => {
    expect(await reasonOf(Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n'))).toBe('unsupported');
    expect(await reasonOf(Buffer.from('this is not a picture.png\n'))).toBe('unsupported');
  });

  it('refuses empty input and random bytes', async () => {
    expect(await reasonOf(Buffer.alloc(0))).toBe('unsupported');
    const noise = Buffer.alloc(4096);
    let state = 12345;
    for (let i = 0; i < noise.length; i++) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      noise[i] = state >>> 16;
    }
    noise[0] = 0x42; // never a PNG, JPEG or RIFF signature by accident
    expect(await reasonOf(noise)).toBe('unsupported');
  });

  it('refuses a truncated JPEG', async () => {
    const jpeg = await bands(400, 400, [RED, GREEN, BLUE], 'rows').jpeg().toBuffer();
    await expectAvatar(await processAvatar(jpeg));
    expect(await reasonOf(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('unreadable');
  });

  it('refuses a known signature followed by garbage', async () => {
    const garbage = Buffer.alloc(2048, 0x5a);
    expect(await reasonOf(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), garbage]))).toBe('unreadable');
    expect(
      await reasonOf(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), garbage])),
    ).toBe('unreadable');
    const riff = Buffer.concat([Buffer.from('RIFF\x00\x08\x00\x00WEBPVP8 ', 'latin1'), garbage]);
    expect(await reasonOf(riff)).toBe('unreadable');
  });

  it('refuses a GIF whose first bytes were replaced by a PNG signature', async () => {
    const gif = await sharp({ create: SMALL }).gif().toBuffer();
    const disguised = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), gif]);
    expect(await reasonOf(disguised)).toBe('unreadable');
  });

  it('reports the reason in a named error', () => {
    const error = new AvatarError('unsupported');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AvatarError');
    expect(error.reason).toBe('unsupported');
  });
});
