import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type SharpOptions } from 'sharp';
import type { AttachmentType } from '../config.js';

// Files attached to posts: what an upload really is (by its content, never its name or declared type), what
// of it is stored (images without their metadata), under which name, and the folder that holds them.
// No HTTP, no database: the threads service and routes decide who may upload and read.

export interface AttachmentLimits {
  readonly maxBytes: number;
  readonly allowedTypes: readonly string[];
}

/**
 * Why an upload was refused:
 * - `empty`: no bytes;
 * - `too-large`: more than the limit, or cut short by the upload limit (bytes = null);
 * - `type-not-allowed`: the content is of a type the limits do not allow, or that Ágora does not recognise;
 * - `disguised`: the uploader's name says one kind of file (e.g. `.pdf`) and the content is another (a PNG,
 *   a program, a web page);
 * - `unreadable`: recognised, but cannot be decoded (a corrupt image) or is too big to decode safely.
 */
export type AttachmentProblem = 'empty' | 'too-large' | 'type-not-allowed' | 'disguised' | 'unreadable';

export class AttachmentError extends Error {
  constructor(readonly problem: AttachmentProblem) {
    super(`attachment refused: ${problem}`);
    this.name = 'AttachmentError';
  }
}

/** A stored name that does not exist (any more) in the folder. */
export class AttachmentNotFoundError extends Error {
  constructor(readonly storageName: string) {
    super(`attachment file not found: ${storageName}`);
    this.name = 'AttachmentNotFoundError';
  }
}

export interface InspectedFile {
  /** What to store: images re-encoded without metadata (EXIF, GPS, XMP, ICC), upright; other files as uploaded. */
  readonly bytes: Buffer;
  /** From the content, never from the name. */
  readonly mimeType: string;
  /** Canonical for the MIME type: png, jpg, gif, webp, pdf, txt, csv, odt, docx… */
  readonly extension: string;
  /** PNG, JPEG, GIF or WebP. */
  readonly isImage: boolean;
  /** Of the stored image (after auto-rotation; one frame of an animation); null for other files. */
  readonly width: number | null;
  readonly height: number | null;
  /** A safe name to show and download as: the uploader's base name, cleaned, with the canonical extension. */
  readonly displayName: string;
}

/** Decoded pixels (width × height × frames) above which an image is refused: a small file can expand to gigabytes. */
export const ATTACHMENT_MAX_PIXELS = 50_000_000;
export const DISPLAY_NAME_MAX_LENGTH = 120;
/** The display name of a file whose uploaded name has nothing usable left (e.g. `../`). */
export const FALLBACK_DISPLAY_NAME = 'adjunto';

/**
 * What people take a file for, by its name or by its content: a name of one kind over content of another
 * is a disguise.
 */
type Family =
  | 'image'
  | 'pdf'
  | 'text'
  | 'document'
  | 'spreadsheet'
  | 'presentation'
  | 'archive'
  | 'media'
  | 'program'
  | 'web';

type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

interface TypeInfo {
  readonly extension: string;
  readonly family: Family;
  readonly image?: ImageFormat;
}

// Every type config.ts lets ATTACHMENT_TYPES name, and nothing else (the compiler checks both ways).
const TYPES: Record<AttachmentType, TypeInfo> = {
  'image/png': { extension: 'png', family: 'image', image: 'png' },
  'image/jpeg': { extension: 'jpg', family: 'image', image: 'jpeg' },
  'image/gif': { extension: 'gif', family: 'image', image: 'gif' },
  'image/webp': { extension: 'webp', family: 'image', image: 'webp' },
  'application/pdf': { extension: 'pdf', family: 'pdf' },
  'text/plain': { extension: 'txt', family: 'text' },
  'text/csv': { extension: 'csv', family: 'text' },
  'application/vnd.oasis.opendocument.text': { extension: 'odt', family: 'document' },
  'application/vnd.oasis.opendocument.spreadsheet': { extension: 'ods', family: 'spreadsheet' },
  'application/vnd.oasis.opendocument.presentation': { extension: 'odp', family: 'presentation' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { extension: 'docx', family: 'document' },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { extension: 'xlsx', family: 'spreadsheet' },
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': {
    extension: 'pptx',
    family: 'presentation',
  },
  'application/zip': { extension: 'zip', family: 'archive' },
  'application/rtf': { extension: 'rtf', family: 'document' },
  'application/x-7z-compressed': { extension: '7z', family: 'archive' },
};

const typeInfo = (mimeType: string): TypeInfo | undefined => TYPES[mimeType as AttachmentType];

/** The kind of file an uploader's extension announces. Extensions not listed announce nothing (`informe v1.2`). */
const EXTENSION_FAMILIES: Readonly<Record<Family, readonly string[]>> = {
  image: [
    'png',
    'jpg',
    'jpeg',
    'jpe',
    'jfif',
    'gif',
    'webp',
    'bmp',
    'tif',
    'tiff',
    'heic',
    'heif',
    'avif',
    'ico',
    'svg',
  ],
  pdf: ['pdf'],
  text: ['txt', 'text', 'csv', 'tsv', 'log', 'md'],
  document: ['doc', 'docx', 'docm', 'dot', 'dotx', 'odt', 'ott', 'rtf', 'pages'],
  spreadsheet: ['xls', 'xlsx', 'xlsm', 'xlt', 'xltx', 'ods', 'ots', 'numbers'],
  presentation: ['ppt', 'pptx', 'pptm', 'pps', 'ppsx', 'odp', 'otp', 'key'],
  archive: ['zip', '7z', 'rar', 'gz', 'tgz', 'tar', 'bz2', 'xz'],
  media: ['mp3', 'wav', 'ogg', 'oga', 'm4a', 'flac', 'mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm'],
  program: [
    'exe',
    'dll',
    'com',
    'scr',
    'msi',
    'cpl',
    'pif',
    'bat',
    'cmd',
    'ps1',
    'vbs',
    'vbe',
    'js',
    'mjs',
    'jse',
    'wsf',
    'wsh',
    'hta',
    'jar',
    'apk',
    'sh',
    'dmg',
    'deb',
    'rpm',
    'lnk',
    'reg',
  ],
  web: ['html', 'htm', 'xhtml', 'xht', 'shtml', 'mht', 'mhtml', 'xml'],
};

const familyOfExtension = new Map<string, Family>(
  Object.entries(EXTENSION_FAMILIES).flatMap(([family, extensions]) =>
    extensions.map((extension) => [extension, family as Family] as const),
  ),
);

const PROGRAM_TYPES = new Set([
  'application/x-msdownload',
  'application/x-elf',
  'application/x-executable',
  'application/x-mach-binary',
  'application/x-sharedlib',
  'application/java-archive',
  'application/vnd.android.package-archive',
  'application/x-msi',
  'application/x-apple-diskimage',
  'application/x-deb',
  'application/x-rpm',
  'application/wasm',
  'application/x-shockwave-flash',
]);
const ARCHIVE_TYPES = new Set([
  'application/x-rar-compressed',
  'application/vnd.rar',
  'application/gzip',
  'application/x-tar',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
]);
const WEB_TYPES = new Set(['text/html', 'application/xhtml+xml', 'application/xml', 'text/xml']);

/** The kind of a content type, or null when it says nothing people would take it for. */
function familyOfType(mimeType: string): Family | null {
  const known = typeInfo(mimeType);
  if (known) return known.family;
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('audio/') || mimeType.startsWith('video/')) return 'media';
  if (PROGRAM_TYPES.has(mimeType)) return 'program';
  if (ARCHIVE_TYPES.has(mimeType)) return 'archive';
  if (WEB_TYPES.has(mimeType)) return 'web';
  return null;
}

// ── Text ──────────────────────────────────────────────────────────────────────────────────────────────

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// C0 controls but tab, LF and CR; DEL; C1 controls. NUL included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const TEXT_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

// Spreadsheets and editors on Spanish Windows save CSV and text in Windows-1252: Latin-1 but for 0x80–0x9F,
// written out here because Node 20's TextDecoder('windows-1252') decodes it as Latin-1 (€ becomes U+0080).
// The five unassigned bytes stay C1 controls, which TEXT_CONTROL refuses.
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009F]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80] ?? c);
}

/**
 * The text of a file without control characters but tab, CR and LF: UTF-8 (optionally with a BOM), else
 * Windows-1252, whose text is then stored as UTF-8 with a BOM (`utf8`), the form spreadsheets read right.
 */
function plainText(bytes: Buffer): { text: string; utf8: Buffer | null } | null {
  try {
    const text = utf8.decode(bytes);
    return TEXT_CONTROL.test(text) ? null : { text, utf8: null };
  } catch {
    const text = decodeWindows1252(bytes);
    if (TEXT_CONTROL.test(text)) return null;
    return { text, utf8: Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]) };
  }
}

// What a browser's content sniffing (WHATWG MIME Sniffing, "identify an unknown MIME type") takes for HTML,
// plus XML and SVG: text that would become active content somewhere if ever served as such.
const HTML_START =
  /^(?:<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)(?=[\s>/]|$)|<!--)/i;

function markupType(text: string): string | null {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (HTML_START.test(start)) return 'text/html';
  if (/^<svg(?=[\s>/]|$)/i.test(start)) return 'image/svg+xml';
  if (/^<\?xml(?=[\s?])/i.test(start)) return /<svg[\s>/]/i.test(start.slice(0, 4096)) ? 'image/svg+xml' : 'text/xml';
  return null;
}

// ── Names ─────────────────────────────────────────────────────────────────────────────────────────────

// Controls (C0, DEL, C1) and the bidirectional overrides that make `factura` + U+202E + `fdp.exe` display
// as `facturaexe.pdf`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes.
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// Characters Windows refuses in file names; a download saved under such a name would be renamed anyway.
const WINDOWS_RESERVED = /[<>:"|?*]/g;

/** The uploader's name without folders, ready to split: last segment of either kind of separator. */
function baseName(uploadedName: string): string {
  const segments = uploadedName.normalize('NFC').split(/[/\\]/);
  return (segments.at(-1) ?? '')
    .replace(/[\t\n\v\f\r]/g, ' ')
    .replace(UNSAFE_NAME_CHARACTERS, '')
    .replace(WINDOWS_RESERVED, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The extension of a cleaned base name, lower-case, or ''. `.pdf` is all extension. */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
}

/**
 * The name to show and download a file as: the uploader's base name without control characters, bidi
 * overrides, path separators or characters Windows refuses, at most DISPLAY_NAME_MAX_LENGTH characters,
 * whose extension (if it announces a kind of file) is replaced by the canonical one of the content.
 */
export function displayNameFor(uploadedName: string, canonicalExtension: string): string {
  let stem = baseName(uploadedName);
  const extension = extensionOf(stem);
  if (extension && familyOfExtension.has(extension)) stem = stem.slice(0, -(extension.length + 1));
  // No hidden files (`.bashrc`) and no Windows-trimmed trailing dots or spaces.
  stem = stem.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  const room = DISPLAY_NAME_MAX_LENGTH - canonicalExtension.length - 1;
  // By code points, so that no emoji or accented letter is cut in half.
  stem = Array.from(stem)
    .slice(0, room)
    .join('')
    .replace(/[.\s]+$/, '');
  return `${stem || FALLBACK_DISPLAY_NAME}.${canonicalExtension}`;
}

// ── Inspection ────────────────────────────────────────────────────────────────────────────────────────

interface Recognised {
  readonly mimeType: string;
  readonly family: Family | null;
  /** Text that was not UTF-8, as UTF-8: what to store. */
  readonly utf8?: Buffer | null;
}

/**
 * The type of the content: what file-type recognises, else plain text (web pages, SVG and scripts apart),
 * else application/octet-stream. `family` is null for a type people would take for nothing in particular.
 */
async function recognise(bytes: Buffer, nameFamily: Family | undefined, nameExtension: string): Promise<Recognised> {
  let detected: { mime: string } | undefined;
  try {
    detected = await fileTypeFromBuffer(bytes);
  } catch {
    throw new AttachmentError('unreadable');
  }
  if (detected) {
    const mimeType =
      detected.mime === 'application/xml' && /<svg[\s>/]/i.test(bytes.toString('utf8', 0, 4096))
        ? 'image/svg+xml'
        : detected.mime;
    return { mimeType, family: familyOfType(mimeType) };
  }
  const plain = plainText(bytes);
  if (plain === null) return { mimeType: 'application/octet-stream', family: null };
  const markup = markupType(plain.text);
  if (markup) return { mimeType: markup, family: familyOfType(markup) };
  // Text has no signature: the name is the only hint of what it is for. A script or a web page is text
  // too, of a type that is not allowed; a `.png` that is text is a disguise (below).
  if (nameFamily === 'program' || nameFamily === 'web') {
    return { mimeType: `text/x-${nameExtension}`, family: nameFamily };
  }
  return { mimeType: nameExtension === 'csv' ? 'text/csv' : 'text/plain', family: 'text', utf8: plain.utf8 };
}

const imageInput = {
  limitInputPixels: ATTACHMENT_MAX_PIXELS,
  // Every frame of an animated GIF or WebP (and the pixel limit counts them all).
  animated: true,
  // A truncated or corrupt image is refused instead of being stored padded with grey.
  failOn: 'warning',
} satisfies SharpOptions;

interface ReEncoded {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

/** The image upright, in its own format, without any metadata; 'unreadable' when it cannot or must not be decoded. */
async function reEncode(bytes: Buffer, format: ImageFormat): Promise<ReEncoded> {
  try {
    // Header only: the format libvips sees must be the one recognised, so that no other decoder runs.
    const metadata = await sharp(bytes, imageInput).metadata();
    if (metadata.format !== format) throw new AttachmentError('unreadable');
    // sharp writes no metadata unless asked (keepMetadata, withExif, keepIccProfile…): none is asked here.
    const pipeline = sharp(bytes, imageInput).rotate();
    const encoded =
      format === 'png'
        ? // A palette PNG stays one (a lossless quantisation: it has at most 256 colours), or it would grow.
          pipeline.png(metadata.isPalette ? { palette: true, colours: 256, dither: 0 } : {})
        : format === 'jpeg'
          ? pipeline.jpeg({ quality: 90 })
          : format === 'gif'
            ? pipeline.gif()
            : pipeline.webp({ quality: 90 });
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.pageHeight ?? info.height };
  } catch {
    // The pixel limit (a decompression bomb), a corrupt or truncated file, an unexpected decoder.
    throw new AttachmentError('unreadable');
  }
}

/**
 * What an upload is and what of it to store. Checks, in this order: size (bytes = null means the upload
 * was cut at the limit), emptiness, the content's type against the uploader's extension (`disguised`),
 * against the allowed types, then decodes and re-encodes images. Throws AttachmentError.
 */
export async function inspectUpload(
  bytes: Buffer | null,
  uploadedName: string,
  limits: AttachmentLimits,
): Promise<InspectedFile> {
  if (bytes === null || bytes.length > limits.maxBytes) throw new AttachmentError('too-large');
  if (bytes.length === 0) throw new AttachmentError('empty');

  const nameExtension = extensionOf(baseName(uploadedName));
  const nameFamily = familyOfExtension.get(nameExtension);
  const content = await recognise(bytes, nameFamily, nameExtension);
  if (nameFamily && content.family && nameFamily !== content.family) throw new AttachmentError('disguised');
  const info = typeInfo(content.mimeType);
  if (!info || !limits.allowedTypes.includes(content.mimeType)) throw new AttachmentError('type-not-allowed');

  const displayName = displayNameFor(uploadedName, info.extension);
  if (!info.image) {
    return {
      bytes: content.utf8 ?? bytes,
      mimeType: content.mimeType,
      extension: info.extension,
      isImage: false,
      width: null,
      height: null,
      displayName,
    };
  }
  const image = await reEncode(bytes, info.image);
  return {
    bytes: image.bytes,
    mimeType: content.mimeType,
    extension: info.extension,
    isImage: true,
    width: image.width,
    height: image.height,
    displayName,
  };
}

// ── Storage ───────────────────────────────────────────────────────────────────────────────────────────

export interface AttachmentStore {
  /** Writes the file under a new random name (returned) with its canonical extension; atomically, mode 0640. */
  save(file: InspectedFile): Promise<string>;
  /** The stored bytes. AttachmentNotFoundError when missing; an Error for a name that save() cannot have made. */
  read(storageName: string): Promise<Buffer>;
  /** Deletes the file; a missing one is not an error. */
  remove(storageName: string): Promise<void>;
}

const CANONICAL_EXTENSIONS = new Set(Object.values(TYPES).map((info) => info.extension));
const STORAGE_NAME = /^([0-9a-f]{2})([0-9a-f]{2})[0-9a-f]{28}\.([a-z0-9]{1,5})$/;

/** Whether a name is one that AttachmentStore.save() makes: 32 hex digits, a dot, a canonical extension. */
export function isStorageName(storageName: string): boolean {
  const match = STORAGE_NAME.exec(storageName);
  return match !== null && CANONICAL_EXTENSIONS.has(match[3] ?? '');
}

/**
 * The folder of stored attachments. Names are 128 random bits in hex plus the canonical extension; files sit
 * two folder levels down by the name's first four hex digits (`ab/cd/abcd….pdf`), so that no folder holds
 * more than a few thousand of them. The folder is created on the first save.
 */
export function createAttachmentStore(dir: string): AttachmentStore {
  const root = path.resolve(dir);

  function locate(storageName: string): string {
    const match = STORAGE_NAME.exec(storageName);
    if (!match || !CANONICAL_EXTENSIONS.has(match[3] ?? '')) {
      throw new Error(`not an attachment storage name: ${JSON.stringify(storageName)}`);
    }
    return path.join(root, match[1] ?? '', match[2] ?? '', storageName);
  }

  return {
    async save(file) {
      if (!CANONICAL_EXTENSIONS.has(file.extension)) throw new Error(`unknown attachment extension: ${file.extension}`);
      const storageName = `${randomBytes(16).toString('hex')}.${file.extension}`;
      const target = locate(storageName);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
      // Next to the target, so that rename() is atomic: readers see the whole file or none.
      const temporary = path.join(path.dirname(target), `.${randomBytes(8).toString('hex')}.tmp`);
      const handle = await open(temporary, 'wx', 0o640);
      try {
        try {
          await handle.writeFile(file.bytes);
          // Whatever the umask.
          await handle.chmod(0o640);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temporary, target);
      } catch (error) {
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
      return storageName;
    },

    async read(storageName) {
      const file = locate(storageName);
      try {
        return await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AttachmentNotFoundError(storageName);
        throw error;
      }
    },

    async remove(storageName) {
      try {
        await unlink(locate(storageName));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    },
  };
}
