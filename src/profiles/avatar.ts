import sharp, { type Metadata, type SharpOptions } from 'sharp';

export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;
export const AVATAR_SIZE = 256;
/** Decoded pixels (width × height) above which an upload is refused: a small file can expand to gigabytes. */
export const AVATAR_MAX_PIXELS = 50_000_000;

export type AvatarErrorReason = 'too_large' | 'unsupported' | 'unreadable';

export class AvatarError extends Error {
  constructor(readonly reason: AvatarErrorReason) {
    super(`avatar rejected: ${reason}`);
    this.name = 'AvatarError';
  }
}

type AcceptedFormat = 'png' | 'jpeg' | 'webp';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_SIGNATURE = Buffer.from([0xff, 0xd8, 0xff]);

// Sniffed from the bytes themselves, never from the file name or the declared type, and before sharp sees
// them: libvips would otherwise happily parse SVG (an XML parser), GIF, TIFF, HEIF… on our behalf.
function sniffFormat(bytes: Buffer): AcceptedFormat | null {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (bytes.subarray(0, 3).equals(JPEG_SIGNATURE)) return 'jpeg';
  if (bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

const inputOptions = {
  limitInputPixels: AVATAR_MAX_PIXELS,
  // Only the first frame of an animated PNG/WebP.
  pages: 1,
  // The strictest level: a truncated or corrupt file is refused instead of being padded with grey.
  failOn: 'warning',
} satisfies SharpOptions;

/**
 * Turns an uploaded picture into the stored avatar: a square WebP of AVATAR_SIZE pixels, upright, cropped
 * around its centre, without any of the input's metadata (EXIF, GPS, XMP, IPTC, ICC).
 * Throws AvatarError for anything else than a readable PNG, JPEG or WebP of at most AVATAR_MAX_BYTES.
 */
export async function processAvatar(bytes: Buffer): Promise<Buffer> {
  if (bytes.length > AVATAR_MAX_BYTES) throw new AvatarError('too_large');
  const sniffed = sniffFormat(bytes);
  if (sniffed === null) throw new AvatarError('unsupported');

  let metadata: Metadata;
  try {
    // Header only, no pixel decoded: the pixel limit is checked below, to tell a bomb from a corrupt file.
    metadata = await sharp(bytes, { ...inputOptions, limitInputPixels: false }).metadata();
  } catch {
    throw new AvatarError('unreadable');
  }
  if (metadata.format !== sniffed) throw new AvatarError('unsupported');
  // A decompression bomb: a small file that decodes to gigabytes. limitInputPixels stops it too in the
  // pipeline, but with an error indistinguishable from a corrupt file.
  if (metadata.width * (metadata.pageHeight ?? metadata.height) > AVATAR_MAX_PIXELS) {
    throw new AvatarError('too_large');
  }

  try {
    // sharp writes no metadata unless asked (keepMetadata, withExif, keepIccProfile…): none is asked here.
    return await sharp(bytes, inputOptions)
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover', position: 'centre' })
      .webp({ quality: 80 })
      .toBuffer();
  } catch {
    throw new AvatarError('unreadable');
  }
}
