export * from './infoNCE';
export * from './queue';
export * from './regions';
export * from './localLoss';
export * from './moco';
export * from './comm';
