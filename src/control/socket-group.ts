/**
 * The group a shared control socket is given to (`controller.socket_group`).
 * Node has no getgrnam(), so names are looked up in /etc/group.
 */
import { readFileSync } from 'node:fs';
import { ErrorCodes, SuperloopsError } from '../errors.js';

/** Where group names are looked up: Node has no getgrnam(). */
export const GROUP_FILE = '/etc/group';

/** The largest gid; 2^32 - 1 means "no change" to chown(). */
export const MAX_GID = 2 ** 32 - 2;

/**
 * The gid of `group`. A number is a gid as it is (it need not be listed in
 * /etc/group). A name is looked up in `groupFile`; a name of digits that no
 * group has is taken as a gid, as `socket_group: ${GID}` yields one. Throws
 * SL_ERR_CONFIG_INVALID naming the group when there is no such group.
 */
export function resolveGroup(group: string | number, groupFile = GROUP_FILE): number {
  if (typeof group === 'number') {
    if (Number.isInteger(group) && group >= 0 && group <= MAX_GID) return group;
    throw unknownGroup(group, `${group} is not a gid (a whole number from 0 to ${MAX_GID})`);
  }
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch (err) {
    if (/^\d+$/.test(group) && Number(group) <= MAX_GID) return Number(group);
    throw unknownGroup(group, `cannot read ${groupFile} to look the group up (${errnoText(err)}); give its numeric gid instead`);
  }
  const gid = findGroup(text, group);
  if (gid !== undefined) return gid;
  if (/^\d+$/.test(group) && Number(group) <= MAX_GID) return Number(group);
  throw unknownGroup(
    group,
    `no group named ${JSON.stringify(group)} in ${groupFile}; create it (groupadd ${group}), correct the name, or give its numeric gid ` +
      '(a group from LDAP or another directory is not in that file: `getent group <name>` shows its gid)',
  );
}

/** The gid of the group called `name` in the text of an /etc/group file, or undefined. */
export function findGroup(groupFileText: string, name: string): number | undefined {
  for (const line of groupFileText.split('\n')) {
    // name:password:gid:members; comments and NIS "+"/"-" lines are skipped.
    const [entry, , gid] = line.split(':');
    if (entry !== name || entry.startsWith('#') || entry.startsWith('+') || entry.startsWith('-')) continue;
    if (gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

function unknownGroup(group: string | number, why: string): SuperloopsError {
  return new SuperloopsError(ErrorCodes.CONFIG_INVALID, `controller.socket_group: ${why}`, {
    details: { key: 'controller.socket_group', group },
  });
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}
