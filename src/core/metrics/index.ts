export * from './spectrum';
