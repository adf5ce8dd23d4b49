/** Everything random about one phantom patient: body habitus, organ offsets and sizes, contrast phase. */
import { hashString, normal, seededRandom, uniform } from '../random';
import { harmonics, type Harmonics } from './shapes';

/** Everything random about one patient. */
export interface Patient {
  s: number; // overall size
  bodyA: number;
  bodyB: number;
  postFlat: number;
  fat: number; // subcutaneous fat thickness (mm)
  fatVar: number[];
  muscle: number;
  bodyHarm: Harmonics;
  spineV: number;
  hu: number; // contrast-phase offset for enhancing organs
  dz: number; // cranio-caudal shift of the anatomy
  organ: Record<string, { du: number; dv: number; sc: number; dt: number; rot: number; harm: Harmonics }>;
  seed: number;
}

export function drawPatient(seed: number, index: number): Patient {
  const r = seededRandom(`medssl-phantom/${seed}/${index}`);
  const s = uniform(r, 0.88, 1.1);
  const bodyA = 158 * s * uniform(r, 0.93, 1.07);
  const bodyB = 112 * s * uniform(r, 0.92, 1.08);
  const postFlat = uniform(r, 0.8, 0.88);
  const organ: Patient['organ'] = {};
  for (const name of [
    'liverR',
    'liverL',
    'spleen',
    'stomach',
    'kidneyL',
    'kidneyR',
    'pancreas',
    'gallbladder',
    'aorta',
    'ivc',
    'colonA',
    'colonD',
    'colonT',
  ]) {
    organ[name] = {
      du: normal(r, 0, 5),
      dv: normal(r, 0, 5),
      sc: uniform(r, 0.88, 1.12),
      dt: normal(r, 0, 0.025),
      rot: normal(r, 0, 0.12),
      harm: harmonics(r, 0.035),
    };
  }
  return {
    s,
    bodyA,
    bodyB,
    postFlat,
    fat: uniform(r, 10, 32),
    fatVar: [uniform(r, 0, 6.28), uniform(r, 0.2, 0.5)],
    muscle: uniform(r, 9, 14),
    bodyHarm: harmonics(r, 0.02),
    spineV: bodyB * postFlat - 92 * s,
    hu: normal(r, 0, 8),
    dz: normal(r, 0, 0.03),
    organ,
    seed: hashString(`medssl-phantom-noise/${seed}/${index}`),
  };
}

/** Relative subcutaneous fat thickness in direction θ around the body. */
export function fatMod(p: Patient, theta: number): number {
  // thicker anteriorly and at the flanks, thinner over the back
  const post = Math.max(0, Math.sin(theta)); // v > 0 is posterior
  return (1 + p.fatVar[1] * Math.cos(2 * theta + p.fatVar[0])) * (1 - 0.45 * post);
}
