/**
 * CSV for spreadsheets, safe against formula injection: a cell that starts with `=`, `+`, `-`,
 * `@`, tab or carriage return is prefixed with `'`, so Excel and LibreOffice show it as text
 * instead of evaluating it (OWASP's CSV-injection advice). Numbers are written as numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text.startsWith("'") ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(neutraliseCell).join(',')).join('\r\n') + '\r\n';
}
