/**
 * A cell as a spreadsheet may open it safely (OWASP, CSV injection): text starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return would run as a formula in Excel or WPS, so it gets a leading apostrophe. Plain numbers (-2, +86…)
 * are left as they are: a rejected-rows file must import again.
 */
export function spreadsheetSafe(cell: string): string {
  if (!/^[=+\-@\t\r]/.test(cell)) return cell;
  if (/^[+-]?\d+(\.\d+)?$/.test(cell)) return cell;
  return `'${cell}`;
}

/** Every string cell of a row made safe. */
export const safeRow = (row: readonly unknown[]) => row.map((c) => (typeof c === 'string' ? spreadsheetSafe(c) : c));
