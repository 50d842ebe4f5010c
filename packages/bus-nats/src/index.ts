export { NatsBus, GROUP_CHANGED_SUBJECT, deviceSubject, presenceSubject, type NatsBusOptions } from './nats-bus.ts'
