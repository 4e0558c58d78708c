import fc from 'fast-check';
import stringWidth from 'string-width';
import { expect, test } from 'vitest';
import { cutToWidth } from '../../src/io/width.js';

test.each([
  ['plain text fits', 'abc', 5, 'abc'],
  ['cut with an ellipsis', 'abcdef', 4, 'abc…'],
  ['wide characters count two columns', '温度温度', 5, '温度…'],
  ['an emoji is one grapheme of two columns, never split', '👍🏽👍🏽👍🏽', 5, '👍🏽👍🏽…'],
  ['combining marks take no column', 'e\u0301e\u0301e\u0301', 3, 'e\u0301e\u0301e\u0301'],
  ['tabs and line breaks become spaces', 'a\tb\nc', 10, 'a b c'],
  ['width 1 leaves the ellipsis alone', 'abc', 1, '…'],
])('%s', (_what, line, width, cut) => {
  expect(cutToWidth(line, width)).toBe(cut);
});

test('property: the result never takes more columns than asked, and is the line itself when it fits', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 40 }), (line, width) => {
      const cut = cutToWidth(line, width);
      expect(stringWidth(cut)).toBeLessThanOrEqual(width);
      if (stringWidth(line.replace(/[\r\n\t]/g, ' ')) <= width) expect(cut).toBe(line.replace(/[\r\n\t]/g, ' '));
    }),
  );
});
