// The roles' permissions (the one table, docs/organisations.md) live in @candor/protocol
// (admin-permissions.ts) so the admin console can leave out what a role may not do; the server
// checks every call against them (org-scope.ts).
export { PERMISSIONS, ROLE_PERMISSIONS, allowedAnywhere, allowedIn, type Permission } from '@candor/protocol'
