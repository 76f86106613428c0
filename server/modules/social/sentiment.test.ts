import { describe, expect, it } from 'vitest';
import { LABELLED } from './sentiment.labelled.ts';
import { sentimentOf } from './sentiment.ts';

describe('sentiment', () => {
  it('reaches its accuracy floor on the labelled set (zh and en)', () => {
    const wrong = LABELLED.filter(([text, label]) => sentimentOf(text).label !== label);
    const accuracy = 1 - wrong.length / LABELLED.length;
    console.info(`sentiment accuracy on ${LABELLED.length} labelled comments: ${(accuracy * 100).toFixed(1)}%`, wrong);
    expect(accuracy).toBeGreaterThanOrEqual(0.8);
  });

  it('flips a negated word, strengthens an intensified one, and weighs what follows a contrast more', () => {
    expect(sentimentOf('不好').label).toBe('negative');
    expect(sentimentOf('not good').label).toBe('negative');
    expect(sentimentOf('很好').score).toBeGreaterThan(sentimentOf('好').score);
    expect(sentimentOf('包装不错，但是质量很差').label).toBe('negative');
  });

  it('names the words that decided it', () => {
    const s = sentimentOf('物流太慢了，失望');
    expect(s.words.map((w) => w.word)).toEqual(expect.arrayContaining(['太慢', '失望']));
    expect(s.words.every((w) => w.weight < 0)).toBe(true);
  });
});
