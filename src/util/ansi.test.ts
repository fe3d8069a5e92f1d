import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineFor, stripAnsi } from './ansi.js';

// Escape sequences as tools print them, and the text that is left.

test('colours, cursor moves, titles and charset switches are removed; text stays', () => {
  const cases: [string, string][] = [
    ['\u001b[1mBUILD SUCCESS\u001b[0m', 'BUILD SUCCESS'],
    ['[\u001b[1;34mINFO\u001b[m] Scanning for projects...', '[INFO] Scanning for projects...'],
    ['\u001b[0m\u001b[0m', ''],
    ['50%\u001b[2K\u001b[1G100%', '50%100%'],
    ['\u001b]0;npm install\u0007added 3 packages', 'added 3 packages'],
    ['\u001b]8;;https://example.com\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['\u001b(Bplain\u001b7saved\u001b8', 'plainsaved'],
    ['\u009b31mred\u009b0m', 'red'],
    ['cut in the middle \u001b[3', 'cut in the middle '],
    ['tabs\tand [brackets] stay', 'tabs\tand [brackets] stay'],
  ];
  for (const [input, expected] of cases) assert.equal(stripAnsi(input), expected, input);
});

test('a terminal gets lines as they are; anything else gets them stripped', () => {
  const line = '\u001b[32mok\u001b[0m';
  assert.equal(lineFor({ isTTY: true })(line), line);
  assert.equal(lineFor({ isTTY: false })(line), 'ok');
  assert.equal(lineFor({})(line), 'ok');
});
