export { type Emit, type SlipwayEvent, scoped, silent } from './events.js';
export { Masker } from './mask.js';
