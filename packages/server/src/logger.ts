// The server's logger. Fields that could carry key material, tokens or content are redacted
// by name, so a careless log call cannot leak them.
import pino, { type Logger } from 'pino'

export const REDACTED_FIELDS = [
  'token',
  'signature',
  'publicKey',
  'payload',
  'commit',
  'welcome',
  'keyPackage',
  'oneTime',
  'lastResort',
  'secret',
  'challenge',
  'req.headers.authorization',
  'req.url',
]

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((f) => `*.${f}`)], censor: '[redacted]' },
  }
  return destination ? pino(options, destination) : pino(options)
}
export type { Logger }
