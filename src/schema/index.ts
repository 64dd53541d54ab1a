export * from './fields.js';
export * from './records.js';
export * from './values.js';
export * from './nearest.js';
export * from './relative-time.js';
