// The content types about the conversation itself (§2): its disappearing timer, leaving,
// its name/topic/avatar, a member's profile, membership lines and the archive's announcement.
import { attachmentRef, thumbnail } from './attachment-ref.ts'
import {
  CONTENT_LIMITS,
  isTimerSeconds,
  type ArchiveContent,
  type ConversationContent,
  type JoinContent,
  type LeaveContent,
  type MembersContent,
  type ProfileContent,
  type TimerContent,
} from './content-types.ts'
import { base64Bytes, has, integer, list, nullable, optional, orgId, refuse, textOfChars, userId, type CommonFields, type Fields } from './content-fields.ts'

export function timerSeconds(v: unknown, field: string): number {
  if (!isTimerSeconds(v)) throw refuse(field, 'must be a whole number of seconds from 1 to ten years')
  return v
}

export function decodeTimer(o: Fields, common: CommonFields): TimerContent {
  // Required, and null (not absence) turns the timer off.
  if (!has(o, 'seconds')) throw refuse('seconds', 'must be null or a whole number of seconds')
  return { type: 'timer', ...common, seconds: nullable(timerSeconds)(o.seconds, 'seconds') }
}

export function decodeLeave(_o: Fields, common: CommonFields): LeaveContent {
  return { type: 'leave', ...common }
}

export function decodeConversation(o: Fields, common: CommonFields): ConversationContent {
  const c: ConversationContent = {
    type: 'conversation',
    ...common,
    ...optional(o, 'name', '', nullable((v, f) => textOfChars(v, f, CONTENT_LIMITS.conversationNameChars, { name: true }))),
    ...optional(o, 'topic', '', nullable((v, f) => textOfChars(v, f, CONTENT_LIMITS.topicChars))),
    ...optional(o, 'avatar', '', nullable(thumbnail)),
  }
  if (c.name === undefined && c.topic === undefined && c.avatar === undefined) throw refuse('name', 'or topic or avatar must be present')
  return c
}

export function decodeProfile(o: Fields, common: CommonFields): ProfileContent {
  return {
    type: 'profile',
    ...common,
    ...optional(o, 'displayName', '', (v, f) => textOfChars(v, f, CONTENT_LIMITS.displayNameChars, { name: true })),
    ...optional(o, 'avatar', '', nullable(attachmentRef)),
  }
}

export function decodeMembers(o: Fields, common: CommonFields): MembersContent {
  return {
    type: 'members',
    ...common,
    added: list(o.added, 'added', 0, CONTENT_LIMITS.memberList, userId),
    removed: list(o.removed, 'removed', 0, CONTENT_LIMITS.memberList, userId),
  }
}

export function decodeJoin(o: Fields, common: CommonFields): JoinContent {
  return { type: 'join', ...common, secret: base64Bytes(o.secret, 'secret', 32) }
}

export function decodeArchive(o: Fields, common: CommonFields): ArchiveContent {
  return { type: 'archive', ...common, org: orgId(o.org, 'org'), policyVersion: integer(o.policyVersion, 'policyVersion', 1) }
}
