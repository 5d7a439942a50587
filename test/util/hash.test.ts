import { describe, expect, it } from '@jest/globals';
import { sha256, sha256Hex } from '../../src/util/hash.js';

describe('sha256', () => {
  it('spells a content digest as sha256:<hex> and the bare form as hex only', () => {
    // sha256 of the empty input, a published constant
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(sha256Hex('')).toBe(empty);
    expect(sha256('')).toBe(`sha256:${empty}`);
  });

  it('hashes a string as its UTF-8 bytes, so text and Buffer agree', () => {
    expect(sha256('grüß')).toBe(sha256(Buffer.from('grüß', 'utf8')));
    expect(sha256('a')).not.toBe(sha256('b'));
  });
});
