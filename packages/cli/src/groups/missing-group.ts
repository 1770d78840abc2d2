/** The one-line error for a group the coordinator does not know (state Dead, nothing committed). */
export function missingGroupMessage(groupId: string): string {
  return `group "${groupId}" does not exist (no members, no committed offsets); sluice groups list shows the groups`;
}
