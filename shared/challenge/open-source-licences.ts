/**
 * Licences a winning team may release its code under: SPDX identifiers of licences the Open
 * Source Initiative approves (https://opensource.org/licenses), the common ones. An organiser's
 * allow-list (`codeRelease.licences`) is a subset; anything else is refused by name, since the
 * prize condition is an open-source release.
 */
export const OPEN_SOURCE_LICENCES = [
  '0BSD',
  'AGPL-3.0-only',
  'AGPL-3.0-or-later',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'BSL-1.0',
  'CECILL-2.1',
  'EPL-2.0',
  'EUPL-1.2',
  'GPL-2.0-only',
  'GPL-2.0-or-later',
  'GPL-3.0-only',
  'GPL-3.0-or-later',
  'ISC',
  'LGPL-2.1-only',
  'LGPL-2.1-or-later',
  'LGPL-3.0-only',
  'LGPL-3.0-or-later',
  'MIT',
  'MIT-0',
  'MPL-2.0',
  'UPL-1.0',
  'Zlib',
] as const;

export type OpenSourceLicence = (typeof OPEN_SOURCE_LICENCES)[number];

export const isOpenSourceLicence = (id: string): id is OpenSourceLicence => (OPEN_SOURCE_LICENCES as readonly string[]).includes(id);
