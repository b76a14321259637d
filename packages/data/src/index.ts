export const PACKAGE = '@fmnist/data';
