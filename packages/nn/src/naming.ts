/**
 * Keras's automatic layer names: the class name in snake_case, numbered from the second one on
 * (`dense`, `dense_1`, `dense_2`...). Keras counts across its whole session; a model here starts
 * its own count unless given a shared namer (to number like one long notebook session).
 */
export class LayerNamer {
  readonly #counts = new Map<string, number>();

  next(base: string): string {
    const n = this.#counts.get(base) ?? 0;
    this.#counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}
