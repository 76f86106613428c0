import { describe, expect, it } from 'vitest';
import { spreadsheetSafe } from './csv-safe.ts';

describe('spreadsheet-safe cells', () => {
  it('neutralises what a spreadsheet would run as a formula, and leaves numbers and text alone', () => {
    expect(spreadsheetSafe('=HYPERLINK("http://x","y")')).toBe(`'=HYPERLINK("http://x","y")`);
    expect(spreadsheetSafe('+cmd|x')).toBe(`'+cmd|x`);
    expect(spreadsheetSafe('-1+2')).toBe(`'-1+2`);
    expect(spreadsheetSafe('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(spreadsheetSafe('\t=1')).toBe(`'\t=1`);
    expect(spreadsheetSafe('\r=1')).toBe(`'\r=1`);
    expect(spreadsheetSafe('-2')).toBe('-2');
    expect(spreadsheetSafe('+8613800138000')).toBe('+8613800138000');
    expect(spreadsheetSafe('王小明')).toBe('王小明');
    expect(spreadsheetSafe('a=b')).toBe('a=b');
  });
});
