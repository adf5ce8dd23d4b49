/** The compare panels' switch between a variant's seeds together (mean ± sd) and every run on its own. */
import { ce } from './dom';

export function seedToggle(checked: boolean, title: string, onChange: (checked: boolean) => void): HTMLElement {
  const box = ce('vscode-checkbox', {
    'data-testid': 'by-seed',
    label: 'mean ± sd over seeds',
    title,
    ...(checked ? { checked: '' } : {}),
  });
  box.addEventListener('change', () => onChange((box as HTMLElement & { checked: boolean }).checked));
  return box;
}
