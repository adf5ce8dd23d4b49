import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, usageOf } from '../../../src/cli/main';
import { EXIT } from '../../../src/cli/errors';

test('medssl <command> --help prints that command’s usage lines and exits 0; an unknown command gets the whole usage', async () => {
  for (const command of ['report', 'predict', 'export', 'run']) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [command, '--help'],
      (s) => out.push(s),
      (s) => err.push(s),
    );
    assert.equal(code, EXIT.ok, `${command} --help: ${err.join('\n')}`);
    assert.deepEqual(err, []);
    const text = out.join('\n');
    assert.ok(text.startsWith(`  medssl ${command} `), `${command}: ${text.slice(0, 80)}`);
    assert.ok(!text.includes('medssl demo'), `${command}: only its own lines`);
  }
  const predict = usageOf('predict').split('\n');
  assert.ok(predict.length >= 2, 'the indented explanation lines come with it');
  assert.match(usageOf('no-such-command'), /^medssl — /);
});
