import type { Admin } from '@sluice/client';
import { CLI_RETRY, clientFromArgs, type BootstrapArgs } from '../client/client-args.js';

/** Runs `body` with an admin client of `--bootstrap-server` (CLI retry policy), closed afterwards. */
export async function withAdmin<T>(args: BootstrapArgs, body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = clientFromArgs(args, 'sluice-groups').admin({ retry: CLI_RETRY });
  try {
    return await body(admin);
  } finally {
    await admin.close();
  }
}

/** The one-line error for a group the coordinator does not know (state Dead, nothing committed). */
export function missingGroupMessage(groupId: string): string {
  return `group "${groupId}" does not exist (no members, no committed offsets); sluice groups list shows the groups`;
}
