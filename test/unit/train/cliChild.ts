// Child process for the SIGTERM test: `medssl run` on a config (guarded: node --test runs every .js under test/).
import { runCommand } from '../../../src/cli/commands/run';

if (process.env.MEDSSL_TRAIN_CHILD === '1') {
  void runCommand(
    { config: process.argv[2], runsDir: process.argv[3], set: [], json: true },
    (s) => process.stdout.write(s + '\n'),
    (s) => process.stderr.write(s + '\n'),
  ).then((code) => {
    process.exitCode = code;
  });
}
