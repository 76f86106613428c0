/** The part of lunar-javascript (no type declarations of its own) Patron uses: Gregorian ↔ Chinese calendar dates. */
declare module 'lunar-javascript' {
  interface SolarDate {
    getYear(): number;
    getMonth(): number;
    getDay(): number;
    getLunar(): LunarDate;
    toYmd(): string;
  }
  interface LunarDate {
    getYear(): number;
    /** Negative for a leap month. */
    getMonth(): number;
    getDay(): number;
    getSolar(): SolarDate;
  }
  const lunar: {
    Solar: { fromYmd(y: number, m: number, d: number): SolarDate };
    Lunar: { fromYmd(y: number, m: number, d: number): LunarDate };
    LunarYear: { fromYear(y: number): { getLeapMonth(): number } };
  };
  export default lunar;
}
