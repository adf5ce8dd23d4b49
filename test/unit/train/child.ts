// Child process for the kill -9 test: runs a pretraining in a given folder until killed.
import * as tf from '@tensorflow/tfjs';
import { pretrain } from '../../../src/core/train/pretrain';
import { TestWriter, tinyConfig } from './helpers';

// Guarded: node --test runs every .js under test/, this file included.
if (process.env.MEDSSL_TRAIN_CHILD === '1')
  void (async () => {
    await tf.setBackend('cpu');
    const dir = process.argv[2];
    const c = tinyConfig((c) => {
      c.pretrain.checkpointEvery = 2;
      c.pretrain.epochs = Number(process.argv[3] ?? 2);
    });
    await pretrain(c, { writer: new TestWriter(dir), configHash: 'h' });
  })();
