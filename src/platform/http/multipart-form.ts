import { Busboy } from '@fastify/busboy'
import type { BusboyInstance } from '@fastify/busboy'
import { AppError } from '../errors.ts'

// A login or registration form has a handful of fields; more parts than this is no form of ours.
const LIMITS = { fields: 50, files: 1, parts: 51 }

function parseError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new AppError(400, 'MALFORMED_REQUEST', { detail: `Multipart form parse error - ${message}` }, { cause: error })
}

/**
 * A multipart form as DRF's QueryDict sees it: the last value of a repeated key, files as raw bytes (which no string
 * field accepts). The body arrives whole and within the 64 KiB limit (Fastify buffers it), so no part can be cut
 * short. A content-type parser rather than @fastify/multipart: that plugin adds two hooks to every request, bodies or
 * not, to clean up files this service never saves.
 */
export function parseMultipartForm(body: Buffer, contentType: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance
    try {
      parser = Busboy({ headers: { 'content-type': contentType }, limits: { ...LIMITS, fieldSize: body.length, fileSize: body.length } })
    } catch (error) {
      reject(parseError(error))
      return
    }
    const form: Record<string, unknown> = {}
    // `__proto__` is dropped, as the JSON parser drops it: an unknown field is ignored, and the prototype stays.
    const keep = (name: string, value: unknown) => {
      if (name !== '__proto__') form[name] = value
    }
    const tooLarge = () => reject(AppError.bodyTooLarge())
    parser.on('field', (name, value) => keep(name, value))
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => keep(name, Buffer.concat(chunks)))
    })
    parser.on('fieldsLimit', tooLarge)
    parser.on('filesLimit', tooLarge)
    parser.on('partsLimit', tooLarge)
    parser.on('error', (error) => reject(parseError(error)))
    parser.on('finish', () => resolve(form))
    parser.end(body)
  })
}
