import { describe, expect, it } from 'vitest';
import { keyTerms, termsOf } from './words.ts';

describe('search words', () => {
  it('cuts Chinese into words and character pairs, so a word split one way still meets itself', () => {
    expect(termsOf('如何申请退货退款')).toEqual(expect.arrayContaining(['申请', '退款', '退货']));
    expect(termsOf('退货')).toEqual(expect.arrayContaining(['退货']));
    expect(termsOf('运费险怎么理赔？')).toEqual(expect.arrayContaining(['运费', '费险', '理赔']));
  });

  it('lower-cases Latin words, drops punctuation and keeps digits', () => {
    expect(termsOf('What is the Return-Policy for iPhone 15?')).toEqual(['what', 'is', 'the', 'return', 'policy', 'for', 'iphone', '15']);
  });

  it('leaves common words out of what a question is about, unless nothing else is left', () => {
    expect(keyTerms('我的快递到哪了')).toEqual(expect.arrayContaining(['快递']));
    expect(keyTerms('我的快递到哪了')).not.toContain('我的');
    expect(keyTerms('how do I')).toEqual(['how', 'do', 'i']);
  });
});
