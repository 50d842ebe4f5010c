// The shared behavioural contract of every Store adapter. An adapter's test calls
// storeContract() with a factory; the suite opens one store, shares it across its tests and
// uses fresh random ids in every test, so several suites (or runs) may share one database.
import { afterAll, beforeAll, describe } from 'vitest'
import type { Store } from '@candor/ports'
import type { StoreRef } from './store-contract/fixtures.ts'
import { directoryContract } from './store-contract/directory-contract.ts'
import { directoryStorageContract } from './store-contract/directory-storage-contract.ts'
import { keyPackageContract } from './store-contract/key-package-contract.ts'
import { queueContract } from './store-contract/queue-contract.ts'
import { groupContract } from './store-contract/group-contract.ts'
import { organisationContract } from './store-contract/organisation-contract.ts'
import { scimContract } from './store-contract/scim-contract.ts'
import { ssoContract } from './store-contract/sso-contract.ts'
import { pushContract } from './store-contract/push-contract.ts'
import { groupResetContract } from './store-contract/group-reset-contract.ts'
import { blobBindingContract } from './store-contract/blob-binding-contract.ts'
import { blobLifecycleContract } from './store-contract/blob-lifecycle-contract.ts'
import { inviteContract } from './store-contract/invite-contract.ts'
import { cosignatureContract, enrolmentContract } from './store-contract/enrolment-contract.ts'
import { contactContract } from './store-contract/contact-contract.ts'
import { accountRecoveryContract } from './store-contract/account-recovery-contract.ts'
import { governanceContract } from './store-contract/governance-contract.ts'
import { complianceContract } from './store-contract/compliance-contract.ts'
import { lifecycleContract } from './store-contract/lifecycle-contract.ts'
import { orgDeviceContract } from './store-contract/org-device-contract.ts'
import { accessLogContract, adminContract, consentContract, erasureContract, retentionContract } from './store-contract/access-log-contract.ts'

export function storeContract(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void> | void): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | undefined
    const ref: StoreRef = () => {
      if (!store) throw new Error('store not open')
      return store
    }
    beforeAll(async () => {
      store = await open()
    })
    afterAll(async () => {
      await store?.close()
      store = undefined
      await cleanup?.()
    })
    describe('meta, users, devices, nonces', () => directoryContract(ref))
    describe('key directory storage', () => directoryStorageContract(ref))
    describe('enrolment requests', () => enrolmentContract(ref))
    describe('witness cosignatures', () => cosignatureContract(ref))
    describe('key packages', () => keyPackageContract(ref))
    describe('message queue', () => queueContract(ref))
    describe('groups and commits', () => groupContract(ref))
    describe('conversation resets', () => groupResetContract(ref))
    describe('attachment blob bindings', () => blobBindingContract(ref))
    describe('attachment lifecycle', () => blobLifecycleContract(ref))
    describe('invite links', () => inviteContract(ref))
    describe('access log', () => accessLogContract(ref))
    describe('administrators', () => adminContract(ref))
    describe('organisations', () => organisationContract(ref))
    describe('SCIM provisioning', () => scimContract(ref))
    describe('single sign-on', () => ssoContract(ref))
    describe('erasure', () => erasureContract(ref))
    describe('consent ledger', () => consentContract(ref))
    describe('retention', () => retentionContract(ref))
    describe('device lifecycle and the directory backlog', () => lifecycleContract(ref))
    describe('organisation device policies', () => orgDeviceContract(ref))
    describe('contacts and contact requests', () => contactContract(ref))
    describe('recovery keys and history archives', () => accountRecoveryContract(ref))
    describe('organisation governance', () => governanceContract(ref))
    describe('compliance records', () => complianceContract(ref))
    describe('Web Push subscriptions', () => pushContract(ref))
  })
}
