import { dicePerClassChart } from '../../../../src/core/report/charts/dicePerClass';

/** Two foreground classes × two rows with known means and sds (3 seeds; the second row a single run, one class missing). */
export const knownChart = () =>
  dicePerClassChart(
    ['liver', 'kidney'],
    [
      {
        label: 'mocov2',
        color: '#1f77b4',
        perClass: [
          { mean: 0.5, sd: 0.1, n: 3 },
          { mean: 0.3, sd: 0.05, n: 3 },
        ],
      },
      { label: 'method', color: '#d62728', perClass: [{ mean: 0.6, sd: Number.NaN, n: 1 }, null] },
    ],
  );
