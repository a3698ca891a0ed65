// A raster with rectangles and 5×7 text, encoded as an RGB PNG with node:zlib: the chart needs no canvas, no
// browser and nothing downloaded at install time.
import { deflateSync } from 'node:zlib'
import { glyph } from './font-5x7.ts'

export type Color = readonly [number, number, number]
export type Raster = { width: number; height: number; pixels: Uint8Array }

export function createRaster(width: number, height: number, background: Color): Raster {
  const pixels = new Uint8Array(width * height * 3)
  for (let i = 0; i < width * height; i++) pixels.set(background, i * 3)
  return { width, height, pixels }
}

export function fillRect(raster: Raster, x: number, y: number, w: number, h: number, color: Color): void {
  const x0 = Math.max(0, Math.round(x))
  const y0 = Math.max(0, Math.round(y))
  const x1 = Math.min(raster.width, Math.round(x + w))
  const y1 = Math.min(raster.height, Math.round(y + h))
  for (let row = y0; row < y1; row++) {
    for (let col = x0; col < x1; col++) raster.pixels.set(color, (row * raster.width + col) * 3)
  }
}

export const textWidth = (text: string, scale = 1) => text.length * 6 * scale

/** Draws `text` with its top-left corner at (x, y); each glyph is 5×7 pixels times `scale`, one column apart. */
export function drawText(raster: Raster, x: number, y: number, text: string, color: Color, scale = 1): void {
  ;[...text].forEach((char, index) => {
    glyph(char).forEach((bits, column) => {
      for (let row = 0; row < 7; row++) {
        if (bits & (1 << row)) fillRect(raster, x + (index * 6 + column) * scale, y + row * scale, scale, scale, color)
      }
    })
  })
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}

export function encodePng(raster: Raster): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(raster.width, 0)
  header.writeUInt32BE(raster.height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, deflate, no filter method, no interlace
  const stride = raster.width * 3
  const scanlines = Buffer.alloc((stride + 1) * raster.height)
  for (let row = 0; row < raster.height; row++) {
    scanlines[row * (stride + 1)] = 0 // filter type None
    scanlines.set(raster.pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1)
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(scanlines, { level: 9 })), chunk('IEND', new Uint8Array())])
}
