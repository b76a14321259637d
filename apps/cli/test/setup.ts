// In Node the TensorFlow.js wasm backend reads its .wasm files from the installed package.
import { useNodeTfSettings } from '@fmnist/tf/node';

useNodeTfSettings();
