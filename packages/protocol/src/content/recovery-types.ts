// The content types of a conversation that recovers from a broken state (§5.3, §5.4): the
// notice that a device could not decrypt something, and a reset onto a new group.
import { CONTENT_LIMITS, DELIVERY_KINDS, UNDECRYPTABLE_REASONS, type ResetContent, type UndecryptableContent } from './content-types.ts'
import { deviceId, fields, groupId, integer, list, messageId, oneOf, textOfChars, userId, type CommonFields, type Fields } from './content-fields.ts'

export function decodeUndecryptable(o: Fields, common: CommonFields): UndecryptableContent {
  const t = fields(o.target, 'target')
  return {
    type: 'undecryptable',
    ...common,
    target: {
      messageId: messageId(t.messageId, 'target.messageId'),
      sender: deviceId(t.sender, 'target.sender'),
      epoch: integer(t.epoch, 'target.epoch', 0),
      kind: oneOf(t.kind, 'target.kind', DELIVERY_KINDS),
    },
    reason: oneOf(o.reason, 'reason', UNDECRYPTABLE_REASONS),
  }
}

export function decodeReset(o: Fields, common: CommonFields): ResetContent {
  return {
    type: 'reset',
    ...common,
    previousGroup: groupId(o.previousGroup, 'previousGroup'),
    leftOut: list(o.leftOut, 'leftOut', 0, CONTENT_LIMITS.memberList, (v, f) => {
      const x = fields(v, f)
      return { userId: userId(x.userId, `${f}.userId`), deviceId: deviceId(x.deviceId, `${f}.deviceId`) }
    }),
    reason: textOfChars(o.reason, 'reason', CONTENT_LIMITS.resetReasonChars),
  }
}
