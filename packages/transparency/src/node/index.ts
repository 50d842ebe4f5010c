// Node-only parts of @candor/transparency (they import node: modules), for servers.
export { x25519Multiplier } from './ecvrf-x25519.ts'
