export type { Backend, MatmulOptions } from './backend.js';
export { JsBackend } from './js-backend.js';
