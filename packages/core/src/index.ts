export type { Backend, FloatArray, MatmulOptions } from './backend.js';
export { JsBackend } from './js-backend.js';
