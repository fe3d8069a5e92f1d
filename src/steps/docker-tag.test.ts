import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correct, joinImageReference } from './docker-tag.js';

test('the join rule: whole reference, name:tag under the repository, bare tag', () => {
  const cases: Array<[string, string, string]> = [
    ['crpi.example.com/team', 'crpi.example.com/team/app:1', 'crpi.example.com/team/app:1'],
    ['crpi.example.com/team', 'app:1.4', 'crpi.example.com/team/app:1.4'],
    ['crpi.example.com/team/app', '1.4', 'crpi.example.com/team/app:1.4'],
    ['https://127.0.0.1:5000/', 'ns/app:v2', '127.0.0.1:5000/ns/app:v2'],
    ['127.0.0.1:5000/app', '', '127.0.0.1:5000/app:latest'],
  ];
  for (const [repository, tag, expected] of cases) {
    assert.equal(joinImageReference(repository, tag), expected, `${repository} + ${tag}`);
  }
});

test('an invalid result is an error that shows the corrected reference', () => {
  assert.throws(() => joinImageReference('crpi.example.com/Team', 'My_App:feature/Login'), {
    message:
      'image reference "crpi.example.com/Team/My_App:feature/Login" is invalid; ' +
      'corrected it reads "crpi.example.com/team/my_app:feature-Login"',
  });
  assert.throws(() => joinImageReference('crpi.example.com', '1.4'), {
    message: 'tag "1.4" is a bare tag, and repository crpi.example.com has no image name to tag',
  });
  assert.equal(correct('r.io/a b/c:.x'), 'r.io/a-b/c:x');
});
