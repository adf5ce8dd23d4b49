/**
 * Every command of the extension, by group: one module per group registers its commands on the Studio
 * (the environment command and the panels register at activation, before it).
 */
import type * as vscode from 'vscode';
import type { Studio } from '../studio';
import { registerConfigCommands } from './configCommands';
import { registerJobCommands } from './jobCommands';
import { registerRunCommands } from './runCommands';
import { registerSegmentCommands } from './segmentWith';
import { registerTestCommands } from './testCommands';

/** esbuild.mjs defines it: true in development builds, false with --production (the test commands are dropped). */
declare const MEDSSL_TEST_COMMANDS: boolean;

export function registerCommands(studio: Studio): vscode.Disposable[] {
  return [
    ...registerJobCommands(studio),
    ...registerConfigCommands(studio),
    ...registerRunCommands(studio),
    ...registerSegmentCommands(studio),
    ...(MEDSSL_TEST_COMMANDS ? registerTestCommands(studio) : []),
  ];
}
