import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTACHMENT_MAX_PIXELS,
  AttachmentError,
  type AttachmentLimits,
  AttachmentNotFoundError,
  type AttachmentStore,
  createAttachmentStore,
  DISPLAY_NAME_MAX_LENGTH,
  displayNameFor,
  type InspectedFile,
  inspectUpload,
  isStorageName,
} from '../../src/attachments/attachment-files.js';
import { DEFAULT_ATTACHMENT_TYPES } from '../../src/config.js';

const LIMITS: AttachmentLimits = { maxBytes: 1024 * 1024, allowedTypes: DEFAULT_ATTACHMENT_TYPES };

async function problemOf(bytes: Buffer | null, name: string, limits: AttachmentLimits = LIMITS): Promise<string> {
  try {
    await inspectUpload(bytes, name, limits);
  } catch (error) {
    if (error instanceof AttachmentError) return error.problem;
    throw error;
  }
  throw new Error('expected an AttachmentError');
}

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────────────

type Rgb = readonly [number, number, number];
const RED: Rgb = [220, 30, 30];
const BLUE: Rgb = [30, 30, 220];

/** Raw RGB pixels: the left half one colour, the right half another. */
function halves(width: number, height: number, left: Rgb, right: Rgb): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(x < width / 2 ? left : right, (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

async function pixelAt(image: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [data[offset] ?? -1, data[offset + 1] ?? -1, data[offset + 2] ?? -1];
}

function expectColour(actual: Rgb, expected: Rgb): void {
  for (let channel = 0; channel < 3; channel++) {
    expect(Math.abs((actual[channel] ?? 0) - (expected[channel] ?? 0))).toBeLessThan(40);
  }
}

/** Rewrites a PNG's IHDR to claim other dimensions, with a valid CRC: what a decompression bomb looks like. */
function withPngDimensions(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}

/** A valid, small, black-and-white PNG of any size: 1 bit per pixel, all white, compressed. */
function bilevelPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + Math.ceil(width / 8), 0xff);
  row[0] = 0;
  const rows = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(rows, y * row.length);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A ZIP archive of stored (uncompressed) entries, in the given order. */
function zip(entries: Readonly<Record<string, string | Buffer>>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const fileName = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function openXml(mainContentType: string, part: string): Buffer {
  return zip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/${part}" ContentType="${mainContentType}"/></Types>`,
    [part]: '<?xml version="1.0" encoding="UTF-8"?><root/>',
  });
}

function openDocument(mimeType: string): Buffer {
  // ODF: the first entry is `mimetype`, stored, holding the type.
  return zip({ mimetype: mimeType, 'content.xml': '<?xml version="1.0" encoding="UTF-8"?><office:document-content/>' });
}

const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n' +
    'trailer <</Root 1 0 R>>\n%%EOF\n',
);
/** The start of a Windows program: "MZ", then the DOS header. */
const EXE = Buffer.concat([
  Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'),
  Buffer.alloc(200),
]);
const HTML = Buffer.from('<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="10"/></svg>\n');
const SVG_WITH_PROLOGUE = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${SVG.toString()}`);
const TEXT = Buffer.from('Acta de la reunión del 3 de marzo.\r\nAsistentes:\tAna, Íñigo, Begoña\n€ 12,50\n');
const CSV = Buffer.from('nombre;unidad;importe\nAna Pérez;Tesorería;12,50\n');

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const ODT_TYPE = 'application/vnd.oasis.opendocument.text';
const ODS_TYPE = 'application/vnd.oasis.opendocument.spreadsheet';
const ODP_TYPE = 'application/vnd.oasis.opendocument.presentation';

const DOCX = openXml(`${DOCX_TYPE}.main+xml`, 'word/document.xml');
const XLSX = openXml(`${XLSX_TYPE}.main+xml`, 'xl/workbook.xml');
const PPTX = openXml(`${PPTX_TYPE}.main+xml`, 'ppt/presentation.xml');
const DOCM = openXml('application/vnd.ms-word.document.macroEnabled.main+xml', 'word/document.xml');
const ODT = openDocument(ODT_TYPE);
const ODS = openDocument(ODS_TYPE);
const ODP = openDocument(ODP_TYPE);
const ZIP = zip({ 'notas.txt': 'hola\n', 'datos/tabla.csv': 'a;b\n1;2\n' });

// ── Images ────────────────────────────────────────────────────────────────────────────────────────────

describe('inspectUpload: images', () => {
  it('recognises a PNG and re-encodes it as a PNG without its metadata', async () => {
    const png = await halves(120, 80, RED, BLUE)
      .png()
      .withExif({ IFD0: { Artist: 'Jane Roe' } })
      .toBuffer();
    expect(png.includes('Jane Roe')).toBe(true);
    const file = await inspectUpload(png, 'plano.png', LIMITS);
    expect(file).toMatchObject({
      mimeType: 'image/png',
      extension: 'png',
      isImage: true,
      width: 120,
      height: 80,
      displayName: 'plano.png',
    });
    const stored = await sharp(file.bytes).metadata();
    expect(stored.format).toBe('png');
    expect(stored.exif).toBeUndefined();
    expect(file.bytes.includes('Jane Roe')).toBe(false);
    expectColour(await pixelAt(file.bytes, 10, 40), RED);
    expectColour(await pixelAt(file.bytes, 110, 40), BLUE);
  });

  it('strips EXIF (camera, author, GPS), XMP and ICC from a JPEG and turns it upright', async () => {
    // Stored left red / right blue, 200×100; orientation 6 means "rotate 90° clockwise to display": red on top.
    const jpeg = await halves(200, 100, RED, BLUE)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .withExif({
        IFD0: { Make: 'Ágora Cam', Model: 'Test 1', Artist: 'Jane Roe' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '41/1 23/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 10/1 0/1' },
      })
      .withXmp(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>',
      )
      .withIccProfile('p3')
      .toBuffer();
    const input = await sharp(jpeg).metadata();
    expect(input.orientation).toBe(6);
    expect(input.exif?.includes('Jane Roe')).toBe(true);
    // The GPS IFD pointer tag (0x8825), in either byte order.
    expect(input.exif?.includes(Buffer.from([0x88, 0x25])) || input.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(
      true,
    );
    expect(input.xmp).toBeDefined();
    expect(input.icc).toBeDefined();

    const file = await inspectUpload(jpeg, 'IMG_0001.JPEG', LIMITS);
    expect(file).toMatchObject({
      mimeType: 'image/jpeg',
      extension: 'jpg',
      isImage: true,
      width: 100,
      height: 200,
      displayName: 'IMG_0001.jpg',
    });
    const stored = await sharp(file.bytes).metadata();
    expect(stored.format).toBe('jpeg');
    expect(stored.exif).toBeUndefined();
    expect(stored.xmp).toBeUndefined();
    expect(stored.icc).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    expect(file.bytes.includes('Jane Roe')).toBe(false);
    expect(file.bytes.includes('Cam')).toBe(false);
    expectColour(await pixelAt(file.bytes, 50, 10), RED);
    expectColour(await pixelAt(file.bytes, 50, 190), BLUE);
  });

  it('keeps every frame of an animated GIF and reports the size of one frame', async () => {
    const frame = 32;
    const frames = Buffer.alloc(frame * frame * 3 * 3);
    for (let index = 0; index < frames.length; index += 3) {
      frames.set([RED, [30, 200, 30] as const, BLUE][Math.floor(index / (frame * frame * 3))] ?? RED, index);
    }
    const gif = await sharp(frames, { raw: { width: frame, height: frame * 3, channels: 3, pageHeight: frame } })
      .gif({ loop: 0, delay: [100, 100, 100] })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(3);
    const file = await inspectUpload(gif, 'saludo.gif', LIMITS);
    expect(file).toMatchObject({ mimeType: 'image/gif', extension: 'gif', isImage: true, width: frame, height: frame });
    const stored = await sharp(file.bytes).metadata();
    expect(stored.format).toBe('gif');
    expect(stored.pages).toBe(3);
  });

  it('recognises a WebP', async () => {
    const webp = await halves(64, 48, RED, BLUE).webp().toBuffer();
    const file = await inspectUpload(webp, 'captura.webp', LIMITS);
    expect(file).toMatchObject({ mimeType: 'image/webp', extension: 'webp', width: 64, height: 48 });
    expect((await sharp(file.bytes).metadata()).format).toBe('webp');
  });

  it('keeps a palette PNG a palette PNG, with the same pixels', async () => {
    const palette = await sharp({
      create: {
        width: 48,
        height: 32,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png({ palette: true, colours: 16 })
      .toBuffer();
    const file = await inspectUpload(palette, 'esquema.png', LIMITS);
    expect((await sharp(file.bytes).metadata()).isPalette).toBe(true);
    expect(await sharp(file.bytes).raw().toBuffer()).toEqual(await sharp(palette).raw().toBuffer());
  });

  it('goes by the content: a PNG named .jpg is a PNG, and is shown as .png', async () => {
    const png = await halves(20, 20, RED, BLUE).png().toBuffer();
    const file = await inspectUpload(png, 'foto.jpg', LIMITS);
    expect(file.mimeType).toBe('image/png');
    expect(file.displayName).toBe('foto.png');
  });

  it('refuses an image type the limits do not allow', async () => {
    const png = await halves(20, 20, RED, BLUE).png().toBuffer();
    expect(await problemOf(png, 'foto.png', { ...LIMITS, allowedTypes: ['application/pdf'] })).toBe('type-not-allowed');
  });

  it('refuses a decompression bomb as unreadable, and a truncated image', async () => {
    const png = await halves(64, 64, RED, BLUE).png().toBuffer();
    const bomb = withPngDimensions(png, 20_000, 20_000);
    expect(20_000 * 20_000).toBeGreaterThan(ATTACHMENT_MAX_PIXELS);
    expect(bomb.length).toBeLessThan(1024);
    expect(await problemOf(bomb, 'bomba.png')).toBe('unreadable');
    // The same file with honest dimensions goes through: the header, not the file, was refused.
    expect((await inspectUpload(withPngDimensions(png, 64, 64), 'bomba.png', LIMITS)).width).toBe(64);

    // A real image, small as a file, of just over ATTACHMENT_MAX_PIXELS (sharp's own default limit is higher).
    const side = Math.ceil(Math.sqrt(ATTACHMENT_MAX_PIXELS + 1));
    const huge = bilevelPng(side, side);
    expect(huge.length).toBeLessThan(LIMITS.maxBytes);
    expect(await problemOf(huge, 'plano.png')).toBe('unreadable');
    expect((await inspectUpload(bilevelPng(200, 100), 'plano.png', LIMITS)).width).toBe(200);

    const jpeg = await halves(200, 200, RED, BLUE).jpeg().toBuffer();
    expect(await problemOf(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cortada.jpg')).toBe('unreadable');
  });
});

// ── Other files ───────────────────────────────────────────────────────────────────────────────────────

describe('inspectUpload: documents and text', () => {
  it('stores a PDF as uploaded', async () => {
    const file = await inspectUpload(PDF, 'Informe anual.pdf', LIMITS);
    expect(file).toEqual({
      bytes: PDF,
      mimeType: 'application/pdf',
      extension: 'pdf',
      isImage: false,
      width: null,
      height: null,
      displayName: 'Informe anual.pdf',
    });
  });

  it('takes UTF-8 text with tabs and line breaks for plain text, and a .csv name for CSV', async () => {
    expect(await inspectUpload(TEXT, 'acta.txt', LIMITS)).toMatchObject({
      bytes: TEXT,
      mimeType: 'text/plain',
      extension: 'txt',
      isImage: false,
      displayName: 'acta.txt',
    });
    expect(await inspectUpload(TEXT, 'LEEME', LIMITS)).toMatchObject({
      mimeType: 'text/plain',
      displayName: 'LEEME.txt',
    });
    expect(await inspectUpload(CSV, 'gastos.CSV', LIMITS)).toMatchObject({
      mimeType: 'text/csv',
      extension: 'csv',
      displayName: 'gastos.csv',
    });
    expect((await inspectUpload(CSV, 'gastos.txt', LIMITS)).mimeType).toBe('text/plain');
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), CSV]);
    expect((await inspectUpload(withBom, 'gastos.csv', LIMITS)).mimeType).toBe('text/csv');
  });

  it('takes Windows-1252 text (a CSV from a spreadsheet on Spanish Windows) and stores it as UTF-8 with a BOM', async () => {
    // "Año;Importe;Núm. €" in Windows-1252: not UTF-8 (0x80 is the euro sign).
    const legacy = Buffer.from([...Buffer.from('A\xf1o;Importe;N\xfam. ', 'latin1'), 0x80, 0x0a]);
    const file = await inspectUpload(legacy, 'gastos.csv', LIMITS);
    expect(file.mimeType).toBe('text/csv');
    expect(file.bytes.equals(Buffer.from('\uFEFFAño;Importe;Núm. €\n', 'utf8'))).toBe(true);
    // UTF-8 text is stored as it came.
    expect((await inspectUpload(CSV, 'gastos.csv', LIMITS)).bytes.equals(CSV)).toBe(true);
  });

  it('does not take for text what holds control characters, in UTF-8 or in Windows-1252', async () => {
    // 0x81 is unassigned in Windows-1252 (a C1 control): binary, not text.
    expect(await problemOf(Buffer.from([0x41, 0xf1, 0x81, 0x0a]), 'notas.txt')).toBe('type-not-allowed');
    expect(await problemOf(Buffer.from('hola\u0000mundo\n'), 'notas.txt')).toBe('type-not-allowed');
    expect(await problemOf(Buffer.from('hola \u001b[31mrojo\n'), 'notas.txt')).toBe('type-not-allowed');
    expect(await problemOf(Buffer.from('hola\u007f\n'), 'notas.txt')).toBe('type-not-allowed');
    // Just the same without them is text.
    expect((await inspectUpload(Buffer.from('hola mundo\n'), 'notas.txt', LIMITS)).mimeType).toBe('text/plain');
  });

  it('tells the OpenDocument and Office Open XML formats apart from a plain ZIP', async () => {
    const cases = [
      [DOCX, 'memoria.docx', DOCX_TYPE, 'docx'],
      [XLSX, 'cuentas.xlsx', XLSX_TYPE, 'xlsx'],
      [PPTX, 'charla.pptx', PPTX_TYPE, 'pptx'],
      [ODT, 'memoria.odt', ODT_TYPE, 'odt'],
      [ODS, 'cuentas.ods', ODS_TYPE, 'ods'],
      [ODP, 'charla.odp', ODP_TYPE, 'odp'],
      [ZIP, 'todo.zip', 'application/zip', 'zip'],
    ] as const;
    for (const [bytes, name, mimeType, extension] of cases) {
      const file = await inspectUpload(bytes, name, LIMITS);
      expect({ name, mimeType: file.mimeType, extension: file.extension }).toEqual({ name, mimeType, extension });
      expect(file.bytes).toEqual(bytes);
      expect(file.displayName).toBe(name);
    }
  });

  it('accepts a document of the same kind under another extension, shown with its own', async () => {
    const file = await inspectUpload(ODT, 'memoria.docx', LIMITS);
    expect(file.mimeType).toBe(ODT_TYPE);
    expect(file.displayName).toBe('memoria.odt');
  });

  it('refuses a macro-enabled Word document, which is not an allowed type', async () => {
    expect(await problemOf(DOCM, 'memoria.docx')).toBe('type-not-allowed');
  });

  it('recognises RTF and 7-Zip, allowed only when configured', async () => {
    const rtf = Buffer.from('{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hola}');
    expect(await problemOf(rtf, 'carta.rtf')).toBe('type-not-allowed');
    const withRtf = { ...LIMITS, allowedTypes: [...DEFAULT_ATTACHMENT_TYPES, 'application/rtf'] };
    expect(await inspectUpload(rtf, 'carta.rtf', withRtf)).toMatchObject({
      mimeType: 'application/rtf',
      extension: 'rtf',
      displayName: 'carta.rtf',
    });
    const sevenZip = Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04]), Buffer.alloc(64)]);
    expect(await problemOf(sevenZip, 'copia.7z')).toBe('type-not-allowed');
    expect(
      (await inspectUpload(sevenZip, 'copia.7z', { ...LIMITS, allowedTypes: ['application/x-7z-compressed'] }))
        .extension,
    ).toBe('7z');
  });
});

describe('inspectUpload: refused files', () => {
  it('calls a program named .pdf a disguise, and refuses it under its own name', async () => {
    expect(await problemOf(EXE, 'informe.pdf')).toBe('disguised');
    expect(await problemOf(EXE, 'programa.exe')).toBe('type-not-allowed');
    expect(await problemOf(EXE, 'programa')).toBe('type-not-allowed');
  });

  it('calls a PNG or a Word document named .pdf a disguise', async () => {
    const png = await halves(20, 20, RED, BLUE).png().toBuffer();
    expect(await problemOf(png, 'informe.pdf')).toBe('disguised');
    expect(await problemOf(DOCX, 'informe.pdf')).toBe('disguised');
    expect(await problemOf(PDF, 'foto.jpg')).toBe('disguised');
  });

  it('sees through a right-to-left override that makes a program look like a PDF', async () => {
    // Displayed as "facturaexe.pdf"; really "factura" + RLO + "fdp.exe".
    expect(await problemOf(PDF, 'factura\u202efdp.exe')).toBe('disguised');
  });

  it('calls a web page named .png or .txt a disguise, and refuses it as a web page', async () => {
    expect(await problemOf(HTML, 'foto.png')).toBe('disguised');
    expect(await problemOf(HTML, 'notas.txt')).toBe('disguised');
    expect(await problemOf(HTML, 'portada.html')).toBe('type-not-allowed');
    expect(await problemOf(HTML, 'portada')).toBe('type-not-allowed');
    // However it starts, as browsers would sniff it.
    expect(await problemOf(Buffer.from('\n  <script>alert(1)</script>'), 'x')).toBe('type-not-allowed');
    expect(await problemOf(Buffer.from('<!--x--><img src=x onerror=alert(1)>'), 'x')).toBe('type-not-allowed');
    // Text that merely starts with "<" is text.
    expect((await inspectUpload(Buffer.from('<prueba> hecha\n'), 'x', LIMITS)).mimeType).toBe('text/plain');
  });

  it('refuses SVG, with or without an XML prologue, whatever its name', async () => {
    expect(await problemOf(SVG, 'logo.svg')).toBe('type-not-allowed');
    expect(await problemOf(SVG_WITH_PROLOGUE, 'logo.svg')).toBe('type-not-allowed');
    expect(await problemOf(SVG, 'logo.png')).toBe('type-not-allowed');
    expect(await problemOf(SVG, 'logo')).toBe('type-not-allowed');
    expect(await problemOf(SVG_WITH_PROLOGUE, 'logo.pdf')).toBe('disguised');
  });

  it('refuses text named as a script, and text named as a PDF', async () => {
    expect(await problemOf(Buffer.from('alert(1);\n'), 'util.js')).toBe('type-not-allowed');
    expect(await problemOf(Buffer.from('@echo off\r\ndel *.*\r\n'), 'limpiar.bat')).toBe('type-not-allowed');
    expect(await problemOf(TEXT, 'acta.pdf')).toBe('disguised');
  });

  it('refuses bytes it does not recognise', async () => {
    expect(await problemOf(Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x10, 0x80]), 'datos.dat')).toBe(
      'type-not-allowed',
    );
  });

  it('refuses an empty file', async () => {
    expect(await problemOf(Buffer.alloc(0), 'vacio.txt')).toBe('empty');
  });

  it('checks the size first: over the limit, or cut short by the upload (null), is too large', async () => {
    const limits = { ...LIMITS, maxBytes: 100 };
    expect(await problemOf(Buffer.alloc(101, 'a'), 'notas.txt', limits)).toBe('too-large');
    // Before looking at the content: this one would be a disguise.
    expect(await problemOf(Buffer.concat([EXE, Buffer.alloc(101)]), 'informe.pdf', limits)).toBe('too-large');
    expect(await problemOf(null, 'notas.txt', limits)).toBe('too-large');
    expect((await inspectUpload(Buffer.alloc(100, 'a'), 'notas.txt', limits)).bytes.length).toBe(100);
  });
});

// ── Names ─────────────────────────────────────────────────────────────────────────────────────────────

describe('display names', () => {
  it('keeps only the base name, whichever the separators', async () => {
    expect((await inspectUpload(TEXT, '../../etc/passwd', LIMITS)).displayName).toBe('passwd.txt');
    expect((await inspectUpload(PDF, 'C:\\Users\\x\\informe final.PDF', LIMITS)).displayName).toBe('informe final.pdf');
    expect(displayNameFor('/var/tmp/../informe.pdf', 'pdf')).toBe('informe.pdf');
  });

  it('removes control characters, bidi overrides and characters Windows refuses', () => {
    expect(displayNameFor('inf\u0000or\u001bme\u0007\u0085.pdf', 'pdf')).toBe('informe.pdf');
    expect(displayNameFor('factura\u202efdp.pdf', 'pdf')).toBe('facturafdp.pdf');
    expect(displayNameFor('a:b*c?"<d>|.pdf', 'pdf')).toBe('abcd.pdf');
    expect(displayNameFor('acta\n\tde   marzo.pdf', 'pdf')).toBe('acta de marzo.pdf');
  });

  it('replaces an extension that announces a kind of file, and keeps any other', () => {
    expect(displayNameFor('foto.jpeg', 'jpg')).toBe('foto.jpg');
    expect(displayNameFor('foto.exe', 'jpg')).toBe('foto.jpg');
    expect(displayNameFor('informe v1.2', 'pdf')).toBe('informe v1.2.pdf');
    expect(displayNameFor('informe.pdf.png', 'png')).toBe('informe.pdf.png');
  });

  it('never gives an empty or hidden name', () => {
    expect(displayNameFor('', 'pdf')).toBe('adjunto.pdf');
    expect(displayNameFor('.pdf', 'pdf')).toBe('adjunto.pdf');
    expect(displayNameFor('///', 'pdf')).toBe('adjunto.pdf');
    expect(displayNameFor('..', 'txt')).toBe('adjunto.txt');
    expect(displayNameFor('.bashrc', 'txt')).toBe('bashrc.txt');
    expect(displayNameFor('informe. . .pdf', 'pdf')).toBe('informe.pdf');
  });

  it('shortens a long name to DISPLAY_NAME_MAX_LENGTH characters, keeping the extension and whole characters', () => {
    const long = displayNameFor(`${'a'.repeat(300)}.pdf`, 'pdf');
    expect(long).toHaveLength(DISPLAY_NAME_MAX_LENGTH);
    expect(long).toBe(`${'a'.repeat(DISPLAY_NAME_MAX_LENGTH - 4)}.pdf`);
    const emoji = displayNameFor(`${'📄'.repeat(200)}.docx`, 'docx');
    expect(Array.from(emoji)).toHaveLength(DISPLAY_NAME_MAX_LENGTH);
    expect(emoji.endsWith('📄.docx')).toBe(true);
    // No half of a surrogate pair left.
    expect(/[\uD800-\uDFFF]/u.test(emoji)).toBe(false);
  });
});

// ── Storage ───────────────────────────────────────────────────────────────────────────────────────────

describe('AttachmentStore', () => {
  let parent: string;
  let dir: string;
  let store: AttachmentStore;
  let pdf: InspectedFile;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'agora-attachments-'));
    // Not created yet: the first save creates it.
    dir = path.join(parent, 'attachments');
    store = createAttachmentStore(dir);
    pdf = await inspectUpload(PDF, 'informe.pdf', LIMITS);
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  const locate = (name: string) => path.join(dir, name.slice(0, 2), name.slice(2, 4), name);

  it('saves under a random name with the canonical extension, two folder levels down, mode 0640', async () => {
    const name = await store.save(pdf);
    expect(name).toMatch(/^[0-9a-f]{32}\.pdf$/);
    expect(isStorageName(name)).toBe(true);
    expect(name).not.toContain('informe');
    const stats = await stat(locate(name));
    expect(stats.mode & 0o777).toBe(0o640);
    expect(await readFile(locate(name))).toEqual(PDF);
    // Nothing else left behind (no temporary file).
    expect(await readdir(path.dirname(locate(name)))).toEqual([name]);
  });

  it('makes files 0640 whatever the umask', async () => {
    for (const umask of [0o077, 0o000]) {
      const previous = process.umask(umask);
      try {
        const name = await store.save(pdf);
        expect((await stat(locate(name))).mode & 0o777, `umask ${umask.toString(8)}`).toBe(0o640);
      } finally {
        process.umask(previous);
      }
    }
  });

  it('reads back what it saved, and never gives two files the same name', async () => {
    const first = await store.save(pdf);
    const second = await store.save(pdf);
    expect(second).not.toBe(first);
    expect(await store.read(first)).toEqual(PDF);
    const text = await inspectUpload(TEXT, 'acta.txt', LIMITS);
    const third = await store.save(text);
    expect(third).toMatch(/\.txt$/);
    expect(await store.read(third)).toEqual(TEXT);
  });

  it('removes a file, and then says it is not found; removing it again is fine', async () => {
    const name = await store.save(pdf);
    await store.remove(name);
    await expect(stat(locate(name))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(store.read(name)).rejects.toBeInstanceOf(AttachmentNotFoundError);
    await expect(store.remove(name)).resolves.toBeUndefined();
  });

  it('refuses to read or remove a name it cannot have made: no way out of its folder', async () => {
    const secret = path.join(parent, 'secreto.txt');
    await writeFile(secret, 'no');
    await store.save(pdf);
    const names = [
      '../secreto.txt',
      '../../secreto.txt',
      secret,
      `00/00/../../../secreto.txt`,
      '0123456789abcdef0123456789abcdef.exe',
      '0123456789ABCDEF0123456789ABCDEF.pdf',
      '0123456789abcdef0123456789abcdef.pdf/',
      '0123456789abcdef0123456789abcde.pdf',
      '',
    ];
    for (const name of names) {
      expect(isStorageName(name), name).toBe(false);
      await expect(store.read(name), name).rejects.toThrow(/not an attachment storage name/);
      await expect(store.remove(name), name).rejects.toThrow(/not an attachment storage name/);
    }
    expect(await readFile(secret, 'utf8')).toBe('no');
  });

  it('refuses to save a file whose extension is not a canonical one', async () => {
    await expect(store.save({ ...pdf, extension: '../../x' })).rejects.toThrow(/extension/);
    await expect(store.save({ ...pdf, extension: 'exe' })).rejects.toThrow(/extension/);
  });
});
