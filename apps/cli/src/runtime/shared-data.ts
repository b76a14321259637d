/**
 * The data the main thread loaded, handed to the training threads in place: its bytes copied
 * once into SharedArrayBuffers, which worker threads read where they are, instead of each
 * thread reading and unpacking the four files again (two threads did, side by side, at the
 * start of every unit). Child processes (the GL modes) cannot share memory and read the files.
 */
import type { ImageSet } from '@fmnist/data';

export interface SharedSplits {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
}

const made = new WeakMap<object, SharedSplits>();

/** The splits with their pixels and labels in SharedArrayBuffers, made once per data object. */
export function sharedSplits(data: SharedSplits): SharedSplits {
  const found = made.get(data);
  if (found) return found;
  const share = (bytes: Uint8Array) => {
    const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
    copy.set(bytes);
    return copy;
  };
  const split = (set: ImageSet): ImageSet => ({
    count: set.count,
    rows: set.rows,
    cols: set.cols,
    pixels: share(set.pixels),
    labels: share(set.labels),
  });
  const shared = {
    train: split(data.train),
    validation: split(data.validation),
    test: split(data.test),
  };
  made.set(data, shared);
  return shared;
}
