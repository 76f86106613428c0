import { describe, expect, it } from 'vitest';
import type { SurveyQuestion } from '../../../contracts/surveys.ts';
import { npsOf, readAnswer, walk } from './flow.ts';
import { themesOf } from '../knowledge/index.ts';

const t = { 'zh-CN': '问', en: 'Q' };
const Q: SurveyQuestion[] = [
  { id: 'nps', type: 'nps', text: t, required: true, skip: [{ min: 9, goTo: 'praise' }] },
  { id: 'why', type: 'text', text: t, required: true, skip: [], maxLength: 500 },
  {
    id: 'fix',
    type: 'single',
    text: t,
    required: false,
    skip: [{ in: ['none'], goTo: 'end' }],
    choices: [
      { key: 'price', text: t },
      { key: 'none', text: t },
    ],
  },
  { id: 'praise', type: 'text', text: t, required: false, skip: [], maxLength: 500 },
];

describe('survey flow', () => {
  it('follows skip rules: promoters jump to the praise, "none" ends, a jumped-over answer does not count', () => {
    expect(walk(Q, {})).toEqual({ path: [], next: 'nps' });
    expect(walk(Q, { nps: 10 })).toEqual({ path: ['nps'], next: 'praise' });
    expect(walk(Q, { nps: 3 })).toEqual({ path: ['nps'], next: 'why' });
    expect(walk(Q, { nps: 3, why: '太贵', fix: 'none' })).toEqual({ path: ['nps', 'why', 'fix'], next: null });
    expect(walk(Q, { nps: 10, why: 'stale', praise: null })).toEqual({ path: ['nps', 'praise'], next: null });
  });

  it('reads answers as typed, refusing what the question does not take', () => {
    expect(readAnswer(Q[0], { value: '7' })).toBe(7);
    expect(readAnswer(Q[0], { value: '11' })).toBe('invalid');
    expect(readAnswer(Q[0], { value: '' })).toBe('required');
    expect(readAnswer(Q[2], { value: '' })).toBeNull();
    expect(readAnswer(Q[2], { value: 'other' })).toBe('invalid');
    const m: SurveyQuestion = {
      id: 'm',
      type: 'matrix',
      text: t,
      required: true,
      skip: [],
      scale: 5,
      rows: [
        { key: 'speed', text: t },
        { key: 'care', text: t },
      ],
    };
    expect(readAnswer(m, { row_speed: '4', row_care: '5' })).toEqual({ speed: 4, care: 5 });
    expect(readAnswer(m, { row_speed: '4' })).toBe('required');
  });

  it('gives the NPS with its 95% interval on a known sample', () => {
    // 50 promoters, 30 passives, 20 detractors of 100: NPS 30, SE = sqrt((0.7 − 0.09) / 100) = 0.0781 → ±15.3.
    const scores = [...Array(50).fill(10), ...Array(30).fill(8), ...Array(20).fill(2)];
    expect(npsOf(scores)).toEqual({
      score: 30,
      interval: { low: 14.7, high: 45.3 },
      promoters: 50,
      passives: 30,
      detractors: 20,
      answers: 100,
    });
    expect(npsOf([])).toBeNull();
  });

  it('groups Chinese free-text answers into themes with their words and examples', () => {
    const themes = themesOf(['物流太慢了，等了一周', '物流速度慢', '客服态度很好', '客服回复很快', '包装破损', '物流慢，包装也破了']);
    expect(themes[0]).toMatchObject({ words: expect.arrayContaining(['物流']), count: 3 });
    expect(themes.map((x) => x.words[0])).toContain('客服');
    expect(themes[0].examples).toHaveLength(3);
  });
});
