/** Fashion-MNIST's class names, in label order (label 0 is `T-shirt/top`). */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

export type ClassName = (typeof CLASS_NAMES)[number];

export const NUM_CLASSES = CLASS_NAMES.length;

/** Image side, in pixels: every Fashion-MNIST image is 28x28. */
export const IMAGE_SIZE = 28;
