// Figures are rasterised by resvg in Node: @fmnist/reports/node registers it on import.
import '../src/node/render.js';
