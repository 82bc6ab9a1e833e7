/**
 * A team's fair-share identifier. AWS Batch accepts at most 255 alphanumeric characters, and team
 * ids carry a dash (`t-…`, `solo-…`), which SubmitJob would reject; dropping the other characters
 * keeps them distinct, since the prefixes differ and the rest is hex.
 *
 * @example fairShareIdentifier('solo-3f2a…') // 'solo3f2a…'
 */
export const fairShareIdentifier = (teamId: string) => teamId.replaceAll(/[^A-Za-z0-9]/g, '').slice(0, 255) || 'team';
