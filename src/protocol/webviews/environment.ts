/** Environment panel (webview/environment): the report of `medssl env --json`, and Re-check. */
import type { EnvReport } from '../../core/backend/types';
import type { BusyMessage, ReadyMessage, RecheckMessage } from './common';

export type { EnvReport };

export interface EnvMessage {
  type: 'env';
  report: EnvReport;
}

export interface EnvErrorMessage {
  type: 'envError';
  message: string;
}

export type EnvironmentHostMessage = EnvMessage | EnvErrorMessage | BusyMessage;
export type EnvironmentWebviewMessage = ReadyMessage | RecheckMessage;
