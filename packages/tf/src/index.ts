export const PACKAGE = '@fmnist/tf';
