// @xmpp/client ships no types; the bench uses it through the narrow interface in drivers/xmpp.ts.
declare module '@xmpp/client' {
  const m: unknown
  export default m
}
