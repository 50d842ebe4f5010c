export {
  NatsBus,
  GROUP_CHANGED_SUBJECT,
  SESSION_ENDED_SUBJECT,
  deviceSubject,
  presenceSubject,
  type NatsAuth,
  type NatsBusOptions,
  type NatsTls,
} from './nats-bus.ts'
