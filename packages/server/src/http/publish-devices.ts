// After a device leaves (revocation, suspension), the directory's backlog is applied before the
// owner's devices are told, as they then check the directory. A failed publication must not stop
// the device being taken out (notices, sessions ended): the caller finishes, then throws it; the
// backlog sweep publishes it later.
import type { AppContext } from '../app-context.ts'

/** Applies the directory's backlog; true, or what it failed with (for the caller to throw once done). */
export async function publish(ctx: AppContext): Promise<true | unknown> {
  try {
    await ctx.directory.applyBacklog()
    return true
  } catch (e) {
    return e
  }
}
