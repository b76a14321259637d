/**
 * Typed errors of the engine. Each message says what went wrong and what to do about it, so
 * the CLI can print it as its one line on stderr.
 */
export class NnError extends Error {
  override name = 'NnError';
}

/** An array's shape is not the one a layer or the model expects. */
export class ShapeMismatchError extends NnError {
  override name = 'ShapeMismatchError';
  constructor(
    readonly where: string,
    readonly expected: readonly number[],
    readonly actual: readonly number[],
    hint = 'check the input shape in the model spec against the data you pass',
  ) {
    super(
      `${where}: expected shape [${expected.join(', ')}] but got [${actual.join(', ')}]; ${hint}.`,
    );
  }
}

/** setWeights was given the wrong number of arrays or an array of the wrong size. */
export class WeightsMismatchError extends NnError {
  override name = 'WeightsMismatchError';
}

/** The loss became NaN or infinite: training cannot continue meaningfully. */
export class NonFiniteLossError extends NnError {
  override name = 'NonFiniteLossError';
  constructor(
    /** 1-based epoch, as Keras prints it. */
    readonly epoch: number,
    /** 1-based batch within the epoch. */
    readonly batch: number,
    readonly loss: number,
  ) {
    super(
      `The loss became ${loss} at epoch ${epoch}, batch ${batch}; training stopped. ` +
        'Lower the learning rate, check the inputs are scaled to [0, 1] and contain no NaN.',
    );
  }
}

/** fit / evaluate / trainOnBatch was called before compile(). */
export class NotCompiledError extends NnError {
  override name = 'NotCompiledError';
  constructor(what: string) {
    super(
      `${what} needs a compiled model; call model.compile({ optimizer, loss, metrics }) first.`,
    );
  }
}

/** A bad argument (batch size, epochs, labels out of range, an unknown layer type...). */
export class InvalidArgumentError extends NnError {
  override name = 'InvalidArgumentError';
}

/** A saved model that cannot be written or read back (one line: what is wrong, what to do). */
export class ModelFileError extends NnError {
  override name = 'ModelFileError';
}
