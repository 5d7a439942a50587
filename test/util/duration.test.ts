import { describe, expect, it } from '@jest/globals';
import { parseDuration as serverDuration } from '../../registry-server/config.js';
import { parseDuration } from '../../src/util/duration.js';

describe('parseDuration', () => {
  it('adds up compound terms in every unit', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('accepts the spellings the registry settings always took: upper case and a blank before the unit', () => {
    expect(parseDuration('12H')).toBe(12 * 3_600_000);
    expect(parseDuration(' 30 d ')).toBe(30 * 86_400_000);
  });

  it('reads a bare number as seconds only when asked to', () => {
    expect(parseDuration('2')).toBeUndefined();
    expect(parseDuration('2', { bareSeconds: true })).toBe(2000);
    expect(parseDuration('0.5', { bareSeconds: true })).toBe(500);
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'soon', '5 minutes', '1h 30m', '-5s', '5w', 's']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
  });
});

describe('the registry server settings', () => {
  it('read durations through the shared grammar and name the setting when one is wrong', () => {
    expect(serverDuration('30d', '--x')).toBe(30 * 86_400_000);
    expect(serverDuration('1h30m', '--x')).toBe(5_400_000);
    expect(() => serverDuration('30', '--session-ttl')).toThrow(
      'invalid duration for --session-ttl: "30" (use e.g. 30d, 12h, 90s or 500ms)',
    );
  });
});
