export * from './content-types.ts'
export { decodeContent } from './decode-content.ts'
export { attachmentRef as parseAttachmentRef } from './attachment-ref.ts'
export { CONTENT_VERSION, encodeContent } from './encode-content.ts'
