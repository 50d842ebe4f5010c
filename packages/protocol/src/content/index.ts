export * from './content-types.ts'
export { decodeContent } from './decode-content.ts'
export { CONTENT_VERSION, encodeContent } from './encode-content.ts'
