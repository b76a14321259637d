/** `--model NAME`: run one of a command's models only. */
import { Option } from 'commander';

export function modelOption(names: readonly string[]): Option {
  return new Option('--model <name>', 'train only this model').choices(names);
}
